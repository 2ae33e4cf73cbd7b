package repogen

import (
	"math/bits"
	"slices"
)

// rng is splitmix64. It is ours rather than math/rand's so that committed
// test data stays reproducible whatever the Go release does to its generators.
type rng struct{ state uint64 }

func newRNG(seed int64, stream uint64) *rng {
	r := &rng{state: uint64(seed) ^ stream*0x9e3779b97f4a7c15}
	r.next() // decorrelate nearby seeds
	return r
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n); n <= 0 gives 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool {
	return float64(r.next()>>11)/(1<<53) < p
}

func (r *rng) uint32() uint32 { return uint32(r.next() >> 32) }

func pick[T any](r *rng, s []T) T { return s[r.intn(len(s))] }

// sample returns k distinct indexes of [0, n) in increasing order (all when k >= n).
func (r *rng) sample(n, k int) []int {
	if k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	// Floyd's algorithm: k draws, no O(n) table.
	chosen := make(map[int]bool, k)
	for j := n - k; j < n; j++ {
		t := r.intn(j + 1)
		if chosen[t] {
			t = j
		}
		chosen[t] = true
	}
	out := make([]int, 0, k)
	for i := range chosen {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}
