package kabi

import (
	"reflect"
	"testing"
)

func TestCompareStablelists(t *testing.T) {
	tests := []struct {
		name string
		a, b map[string]string
		want StableChange
	}{
		{"same", map[string]string{"a": "0x1", "b": ""}, map[string]string{"a": "0x1", "b": ""},
			StableChange{Added: []string{}, Removed: []string{}, CRCChanged: []string{}}},
		{"grown", map[string]string{"a": "0x1"}, map[string]string{"a": "0x1", "c": "0x3", "b": "0x2"},
			StableChange{Added: []string{"b", "c"}, Removed: []string{}, CRCChanged: []string{}}},
		{"shrunk and changed", map[string]string{"a": "0x1", "b": "0x2", "z": "0x9"}, map[string]string{"a": "0x10", "b": "0x2"},
			StableChange{Added: []string{}, Removed: []string{"z"}, CRCChanged: []string{"a"}}},
		// Hex digits in either case are one CRC; a list without CRCs
		// (kabi_stablelist_*) never shows a change.
		{"case and no CRC", map[string]string{"a": "0xABCD", "b": ""}, map[string]string{"a": "0xabcd", "b": "0x5"},
			StableChange{Added: []string{}, Removed: []string{}, CRCChanged: []string{}}},
	}
	for _, tt := range tests {
		if got := CompareStablelists(tt.a, tt.b); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
