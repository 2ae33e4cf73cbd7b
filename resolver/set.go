package resolver

import "math/bits"

// PkgID indexes the packages of a Pool.
type PkgID int32

// Set is a set of packages of one Pool, as a bitmap (libsolv's Map). The
// zero Set is empty; Pool.All is the set of every package.
type Set struct{ words []uint64 }

// NewSet returns an empty set able to hold n packages.
func NewSet(n int) Set { return Set{words: make([]uint64, (n+63)/64)} }

// Add puts p in the set.
func (s Set) Add(p PkgID) { s.words[p>>6] |= 1 << (uint(p) & 63) }

// Remove takes p out of the set.
func (s Set) Remove(p PkgID) { s.words[p>>6] &^= 1 << (uint(p) & 63) }

// Has reports whether p is in the set. The zero Set is empty.
func (s Set) Has(p PkgID) bool {
	i := int(p >> 6)
	return i < len(s.words) && s.words[i]&(1<<(uint(p)&63)) != 0
}

// Len counts the packages in the set.
func (s Set) Len() int {
	n := 0
	for _, w := range s.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// Clone returns an independent copy.
func (s Set) Clone() Set { return Set{words: append([]uint64(nil), s.words...)} }

// Each calls f for every package in the set, in increasing order.
func (s Set) Each(f func(PkgID)) {
	for i, w := range s.words {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			f(PkgID(i*64 + b))
			w &= w - 1
		}
	}
}
