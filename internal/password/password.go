// Package password owns how orderbridge treats passwords: the policy a new
// password must meet and its argon2id hash. The web app, the admin commands
// and the demo call it, so the rule is written once.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the cost of argon2id, the memory-hard function that
// hashes passwords. The zero value means DefaultParams.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams follow OWASP's password storage advice for argon2id
// (19 MiB, two passes, one lane): costly for an attacker with a GPU, about
// 30 ms for us.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1}
}

func (p Params) orDefault() Params {
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return DefaultParams()
	}
	return p
}

const argonKeyLen = 32

// Hash returns the PHC string of password's argon2id hash with a
// fresh salt: $argon2id$v=19$m=...,t=...,p=...$salt$hash. Store it with
// store.CreateUser; the demo command uses it to create its demo user.
func Hash(password string, p Params) (string, error) {
	p = p.orDefault()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// ErrBadHash means a stored hash is not one Hash wrote.
var ErrBadHash = errors.New("password: stored password hash is malformed")

// Check reports whether password matches the PHC string encoded,
// and whether the hash should be redone because its parameters are weaker
// than p (so raising the cost upgrades users as they sign in).
func Check(password, encoded string, p Params) (ok, rehash bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, ErrBadHash
	}
	var have Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &have.Memory, &have.Time, &have.Threads); err != nil ||
		have.Memory == 0 || have.Time == 0 || have.Threads == 0 {
		return false, false, ErrBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false, ErrBadHash
	}
	got := argon2.IDKey([]byte(password), salt, have.Time, have.Memory, have.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	p = p.orDefault()
	return true, have.Memory < p.Memory || have.Time < p.Time, nil
}
