package repomd

import "testing"

// TestSplitEVRUndoesFormatEVR checks that SplitEVR gives back what FormatEVR
// joined; only the dropped or added "0" epoch changes.
func TestSplitEVRUndoesFormatEVR(t *testing.T) {
	tests := []struct{ epoch, version, release, evr, splitEpoch string }{
		{"", "1.0", "1.el9", "1.0-1.el9", ""},
		{"0", "1.0", "1.el9", "1.0-1.el9", ""},
		{"2", "1.0", "", "2:1.0", "2"},
		{"", "1:2", "3", "0:1:2-3", "0"}, // a version that looks epoched keeps "0:"
		{"", "a:b", "1", "a:b-1", ""},    // a colon after a letter is no epoch
		{"12", "5.14.0", "70.13.1.el9_0", "12:5.14.0-70.13.1.el9_0", "12"},
	}
	for _, tt := range tests {
		evr := FormatEVR(tt.epoch, tt.version, tt.release)
		if evr != tt.evr {
			t.Errorf("FormatEVR(%q, %q, %q) = %q, want %q", tt.epoch, tt.version, tt.release, evr, tt.evr)
		}
		if e, v, r := SplitEVR(evr); e != tt.splitEpoch || v != tt.version || r != tt.release {
			t.Errorf("SplitEVR(%q) = %q, %q, %q; want %q, %q, %q", evr, e, v, r, tt.splitEpoch, tt.version, tt.release)
		}
	}
}
