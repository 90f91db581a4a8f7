package password

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	weak := Params{Memory: 64, Time: 1, Threads: 1}
	strong := Params{Memory: 128, Time: 2, Threads: 1}
	h, err := Hash("correct horse", weak)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash = %q", h)
	}
	h2, _ := Hash("correct horse", weak)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		name           string
		password, hash string
		params         Params
		ok, rehash     bool
		bad            bool
	}{
		{"right", "correct horse", h, weak, true, false, false},
		{"wrong", "correct horsE", h, weak, false, false, false},
		{"stronger params ask for a rehash", "correct horse", h, strong, true, true, false},
		{"not argon2id", "x", "$2a$10$abcdefghijklmnopqrstuv", weak, false, false, true},
		{"truncated", "x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA", weak, false, false, true},
		{"zero cost", "x", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA", weak, false, false, true},
		{"other version", "x", "$argon2id$v=16$m=64,t=1,p=1$c2FsdA$aGFzaA", weak, false, false, true},
	} {
		ok, rehash, err := Check(tc.password, tc.hash, tc.params)
		if ok != tc.ok || rehash != tc.rehash || (err != nil) != tc.bad {
			t.Errorf("%s: ok %v rehash %v err %v; want %v %v bad=%v", tc.name, ok, rehash, err, tc.ok, tc.rehash, tc.bad)
		}
	}
	// The zero value means the production defaults.
	d, err := Hash("x", Params{})
	if err != nil || !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("default hash = %q, %v", d, err)
	}
}
