package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost of argon2id, the memory-hard function that
// hashes passwords. The zero value means DefaultArgon2Params.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2Params follow OWASP's password storage advice for argon2id
// (19 MiB, two passes, one lane): costly for an attacker with a GPU, about
// 30 ms for us.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}
}

func (p Argon2Params) orDefault() Argon2Params {
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return DefaultArgon2Params()
	}
	return p
}

const argonKeyLen = 32

// HashPassword returns the PHC string of password's argon2id hash with a
// fresh salt: $argon2id$v=19$m=...,t=...,p=...$salt$hash. Store it with
// store.CreateUser; the demo command uses it to create its demo user.
func HashPassword(password string, p Argon2Params) (string, error) {
	p = p.orDefault()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("web: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash means a stored hash is not one hashPassword wrote.
var errBadHash = errors.New("web: stored password hash is malformed")

// checkPassword reports whether password matches the PHC string encoded,
// and whether the hash should be redone because its parameters are weaker
// than p (so raising the cost upgrades users as they sign in).
func checkPassword(password, encoded string, p Argon2Params) (ok, rehash bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, errBadHash
	}
	var have Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &have.Memory, &have.Time, &have.Threads); err != nil ||
		have.Memory == 0 || have.Time == 0 || have.Threads == 0 {
		return false, false, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, have.Time, have.Memory, have.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	p = p.orDefault()
	return true, have.Memory < p.Memory || have.Time < p.Time, nil
}
