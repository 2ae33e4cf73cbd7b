package plural

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "kmod", "0 kmods"},
		{1, "kmod", "1 kmod"},
		{2, "kernel build", "2 kernel builds"},
		{-1, "package", "-1 packages"},
		{1000, "stable-list symbol", "1000 stable-list symbols"},
	} {
		if got := Count(tt.n, tt.noun); got != tt.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
}
