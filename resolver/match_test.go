package resolver

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/repoclosure/repoclosure/repomd"
)

// tsvOps maps the operators of rpmdepmatch.tsv to Op bits.
var tsvOps = map[string]repomd.Op{
	"":   repomd.OpNone,
	"=":  repomd.OpEQ,
	"<":  repomd.OpLT,
	">":  repomd.OpGT,
	"<=": repomd.OpLE,
	">=": repomd.OpGE,
	"<>": repomd.OpNE,
}

func TestMatchesRPMVectors(t *testing.T) {
	for n, row := range testenv.Vectors(t, "rpmdepmatch.tsv") {
		if len(row) != 7 {
			t.Fatalf("rpmdepmatch.tsv:%d: want 7 fields, got %q", n+1, row)
		}
		pop, ok1 := tsvOps[row[1]]
		rop, ok2 := tsvOps[row[4]]
		if !ok1 || !ok2 {
			t.Fatalf("rpmdepmatch.tsv:%d: unknown operator in %q", n+1, row)
		}
		want := row[6] == "1"
		// Matches takes names as already equal; the vectors also test names.
		got := row[0] == row[3] && Matches(pop, row[2], rop, row[5])
		if got != want {
			t.Errorf("rpmdepmatch.tsv:%d: provide %s %s %s, require %s %s %s: got %v, want %v",
				n+1, row[0], row[1], row[2], row[3], row[4], row[5], got, want)
		}
	}
}

func TestMatchesEdges(t *testing.T) {
	tests := []struct {
		pop  repomd.Op
		pevr string
		rop  repomd.Op
		revr string
		want bool
	}{
		// kernel(sym) = 0xCRC: equal strings, and CRCs that differ.
		{repomd.OpEQ, "0x1234abcd", repomd.OpEQ, "0x1234abcd", true},
		{repomd.OpEQ, "0x1234abcd", repomd.OpEQ, "0x1234abce", false},
		// Epoch on one side only: a zero epoch is the same as none.
		{repomd.OpEQ, "0:1.2-1", repomd.OpEQ, "1.2-1", true},
		{repomd.OpEQ, "00:1.2-1", repomd.OpEQ, "1.2-1", true},
		{repomd.OpEQ, "1:1.0", repomd.OpGT, "9.9", true},
		{repomd.OpEQ, "9.9", repomd.OpGE, "1:1.0", false},
		// A release on one side only.
		{repomd.OpEQ, "1.2", repomd.OpGT, "1.2-1", true},
		{repomd.OpGT, "1.2", repomd.OpEQ, "1.2-1", false},
		{repomd.OpEQ, "1.2-5", repomd.OpEQ, "1.2", true},
		{repomd.OpEQ, "1.2-5", repomd.OpLT, "1.2", false},
		// An empty release is no release.
		{repomd.OpEQ, "1.2-", repomd.OpEQ, "1.2-7", true},
		{repomd.OpLT, "1.2-", repomd.OpEQ, "1.2-7", false},
		// Kernel ranges as kmods write them.
		{repomd.OpEQ, "5.14.0-55.el9", repomd.OpGE, "5.14.0-50.el9", true},
		{repomd.OpEQ, "4.18.0-348.el8", repomd.OpGE, "4.18.0-372.el8", false},
		{repomd.OpEQ, "4.18.0-513.5.1.el8_9", repomd.OpLT, "4.18.0-514", true},
		// Tilde and caret.
		{repomd.OpEQ, "1.0~rc1-1", repomd.OpGE, "1.0", false},
		{repomd.OpEQ, "1.0^git1-1", repomd.OpGT, "1.0", true},
		// Unversioned either side.
		{repomd.OpNone, "", repomd.OpEQ, "1.0", true},
		{repomd.OpEQ, "1.0", repomd.OpNone, "", true},
		// A provide of every version, and an Op neither tool writes.
		{repomd.OpLT | repomd.OpEQ | repomd.OpGT, "1", repomd.OpLT, "0", true},
		{repomd.Op(8), "1", repomd.OpEQ, "1", false},
		// libsolv compares an empty EVR (rpm would call it an overlap).
		{repomd.OpEQ, "", repomd.OpGE, "1.0", false},
		{repomd.OpEQ, "", repomd.OpLT, "1.0", true},
	}
	for _, tt := range tests {
		if got := Matches(tt.pop, tt.pevr, tt.rop, tt.revr); got != tt.want {
			t.Errorf("Matches(%v %q, %v %q) = %v, want %v", tt.pop, tt.pevr, tt.rop, tt.revr, got, tt.want)
		}
	}
}

// randomEVR builds "[E:]V[-R]" strings that collide often.
func randomEVR(r *rand.Rand) string {
	evr := []string{"1", "1.2", "1.10", "2", "1.2~rc1", "1.2^g1", "0x1a2b"}[r.IntN(7)]
	switch r.IntN(5) {
	case 0:
		evr = "1:" + evr
	case 1:
		evr = "0:" + evr
	}
	if r.IntN(3) > 0 {
		evr += "-" + []string{"1", "2", "1.el9", "10"}[r.IntN(4)]
	}
	return evr
}

// TestMatchesAgainstRPM compares Matches with rpm's own rpmdsCompare on
// generated deps with non-empty EVRs, where rpm and libsolv agree.
func TestMatchesAgainstRPM(t *testing.T) {
	ops := []repomd.Op{repomd.OpEQ, repomd.OpLT, repomd.OpGT, repomd.OpLE, repomd.OpGE, repomd.OpNE}
	type question struct {
		pop, rop   repomd.Op
		pevr, revr string
	}
	r := rand.New(rand.NewPCG(3, 4))
	var qs []question
	var lines []string
	for range 3000 {
		q := question{ops[r.IntN(len(ops))], ops[r.IntN(len(ops))], randomEVR(r), randomEVR(r)}
		qs = append(qs, q)
		lines = append(lines, fmt.Sprintf("%d\t%s\t%d\t%s", rpmSense(q.pop), q.pevr, rpmSense(q.rop), q.revr))
	}
	const script = `
import rpm, sys
for line in sys.stdin.read().split("\n")[:-1]:
    pf, pevr, rf, revr = line.split("\t")
    p = rpm.ds(("a", int(pf), pevr), rpm.RPMTAG_PROVIDES)
    q = rpm.ds(("a", int(rf), revr), rpm.RPMTAG_REQUIRES)
    print(1 if p.Compare(q) else 0)
`
	answers := askRPM(t, script, lines)
	for k, q := range qs {
		want := answers[k] == "1"
		if got := Matches(q.pop, q.pevr, q.rop, q.revr); got != want {
			t.Errorf("Matches(%v %q, %v %q) = %v, rpm says %v", q.pop, q.pevr, q.rop, q.revr, got, want)
		}
	}
}

// rpmSense converts Op bits to rpm's RPMSENSE_LESS (2), GREATER (4) and
// EQUAL (8).
func rpmSense(op repomd.Op) int {
	var s int
	if op&repomd.OpLT != 0 {
		s |= 2
	}
	if op&repomd.OpGT != 0 {
		s |= 4
	}
	if op&repomd.OpEQ != 0 {
		s |= 8
	}
	return s
}

func BenchmarkMatchesKernelSymbol(b *testing.B) {
	const crc, other = "0x1234abcd", "0x8e5a4b21"
	b.SetBytes(int64(len(crc) + len(other)))
	b.ReportAllocs()
	for b.Loop() {
		Matches(repomd.OpEQ, crc, repomd.OpEQ, other)
	}
}

func FuzzMatches(f *testing.F) {
	f.Add(uint8(repomd.OpEQ), "1.2", uint8(repomd.OpGT), "1.2-1")
	f.Add(uint8(repomd.OpLE), "1:2.0~rc1", uint8(repomd.OpGE), "0:2.0^1-3")
	f.Fuzz(func(t *testing.T, pop uint8, pevr string, rop uint8, revr string) {
		p, r := repomd.Op(pop&7), repomd.Op(rop&7)
		got := Matches(p, pevr, r, revr)
		// Overlap is symmetric: libsolv's case -2 for one order is case 2
		// for the other, and both ask for EQ on the side without a release.
		if back := Matches(r, revr, p, pevr); back != got {
			t.Errorf("Matches(%v %q, %v %q) = %v, mirrored %v", p, pevr, r, revr, got, back)
		}
	})
}
