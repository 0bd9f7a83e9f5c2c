package jwtgate

import "testing"

// The exhaustiveness guard: the library's algorithms (JG_ALG_COUNT, which
// the C ABI checks against the core's list at compile time) and Go's
// Algorithms must match, each with a name.
func TestAlgorithmsAreExhaustive(t *testing.T) {
	if len(Algorithms) != libraryAlgorithmCount() {
		t.Fatalf("Go lists %d algorithms, the library has %d: add the new one to Algorithms and String",
			len(Algorithms), libraryAlgorithmCount())
	}
	seen := map[Algorithm]bool{}
	for i, a := range Algorithms {
		if int(a) != i+1 {
			t.Errorf("Algorithms[%d] = %d, want id %d", i, a, i+1)
		}
		if a.String() == "Algorithm(?)" || seen[a] {
			t.Errorf("algorithm %d has no name or is listed twice", a)
		}
		seen[a] = true
	}
	// Every listed id is one the library accepts; the next one is not.
	v, err := NewVerifier(WithHMACKey(HS256, []byte("exhaustive: a 32-byte HMAC key!!"), ""))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := WithAlgorithms(Algorithms...)(v); err != nil {
		t.Errorf("the library refuses Go's algorithms: %v", err)
	}
	if err := WithAlgorithms(Algorithm(len(Algorithms) + 1))(v); err != ErrInvalidArgument {
		t.Errorf("id %d: %v, want ErrInvalidArgument", len(Algorithms)+1, err)
	}
}
