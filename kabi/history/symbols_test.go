package history

import (
	"encoding/binary"
	"testing"
)

// FuzzDecodeSymbols: a symbol table blob read from a damaged database is an
// error, never a panic, and a well-formed one decodes to its pairs.
func FuzzDecodeSymbols(f *testing.F) {
	good := binary.AppendUvarint(nil, 1)
	good = binary.LittleEndian.AppendUint32(good, 0xdeadbeef)
	good = binary.AppendUvarint(good, 300)
	good = binary.LittleEndian.AppendUint32(good, 7)
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x80})
	f.Add([]byte{1, 2, 3})
	names := map[int64]string{1: "a", 301: "b"}
	f.Fuzz(func(t *testing.T, blob []byte) {
		syms, err := decodeSymbols(blob, names)
		if err != nil {
			return
		}
		n := 0
		for rest := blob; len(rest) > 0; n++ {
			_, k := binary.Uvarint(rest)
			rest = rest[k+4:]
		}
		if len(syms) != n {
			t.Errorf("%d symbols from %d pairs", len(syms), n)
		}
	})
}

func TestDecodeSymbols(t *testing.T) {
	names := map[int64]string{1: "a", 301: "b"}
	good := binary.AppendUvarint(nil, 1)
	good = binary.LittleEndian.AppendUint32(good, 0xdeadbeef)
	good = binary.AppendUvarint(good, 300)
	good = binary.LittleEndian.AppendUint32(good, 7)
	syms, err := decodeSymbols(good, names)
	if err != nil || len(syms) != 2 || syms[0] != (Symbol{"a", 0xdeadbeef}) || syms[1] != (Symbol{"b", 7}) {
		t.Errorf("decodeSymbols = %v, %v", syms, err)
	}
	for _, bad := range [][]byte{good[:len(good)-1], {0x80}, {5, 0, 0, 0, 0}} {
		if _, err := decodeSymbols(bad, names); err == nil {
			t.Errorf("decodeSymbols(%x) accepted a damaged blob", bad)
		}
	}
}
