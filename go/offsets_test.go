package jwtgate

import "testing"

// The Go copy of jg_offsets_buffer_len gives the library's figure for
// every token length Verify accepts: a smaller one would make every
// verification of such a token fail with ErrInsufficientSize.
func TestBufferLenMatchesLibrary(t *testing.T) {
	for n := 0; n <= MaxTokenLen; n++ {
		if got, want := bufferLen(n), libraryBufferLen(n); got != want {
			t.Fatalf("bufferLen(%d) = %d, the library says %d", n, got, want)
		}
	}
}
