// Package seal encrypts small secrets (OAuth tokens, API keys) for storage
// with AES-256-GCM. A sealed value names the key that sealed it, so keys can
// rotate: a Sealer seals with its current key and still opens values sealed
// with any of its previous keys. Callers bind every value to where it is
// stored through the additional data, so a ciphertext copied to another row
// fails to open instead of handing one account another's token.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables and file names read by FromEnv.
const (
	// EnvKey holds the current key: 32 random bytes, standard base64.
	EnvKey = "ORDERBRIDGE_SECRET_KEY"
	// EnvPreviousKeys holds older keys, comma-separated, that still open
	// values sealed before a rotation.
	EnvPreviousKeys = "ORDERBRIDGE_SECRET_KEYS_PREVIOUS"
	// KeyFileName is the file in the data directory that keeps the
	// generated key of an embedded installation.
	KeyFileName = "secret.key"
)

// prefix starts every sealed value; it versions the format.
const prefix = "ob1"

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

var (
	// ErrUnknownKey means a value was sealed with a key the Sealer does not
	// hold (a key was dropped from the previous keys too early).
	ErrUnknownKey = errors.New("seal: value sealed with an unknown key")
	// ErrOpen means a value failed authentication: it was altered, or it
	// belongs to another row (other additional data).
	ErrOpen = errors.New("seal: cannot open value")
	// ErrMalformed means a value is not in the sealed format.
	ErrMalformed = errors.New("seal: malformed sealed value")
)

// Key is one AES-256 key and its identifier. The identifier is derived from
// the key, so operators only ever handle the key itself.
type Key struct {
	id   string
	aead cipher.AEAD
}

// ID returns the key's identifier: a fingerprint that names the key in
// sealed values without revealing it.
func (k Key) ID() string { return k.id }

// NewKey builds a Key from 32 raw bytes.
func NewKey(raw []byte) (Key, error) {
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("seal: key must be %d bytes, got %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return Key{}, fmt.Errorf("seal: new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("seal: new gcm: %w", err)
	}
	sum := sha256.Sum256(append([]byte("orderbridge seal key id\x00"), raw...))
	return Key{id: hex.EncodeToString(sum[:6]), aead: aead}, nil
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not) key.
// The error never contains the key.
func ParseKey(encoded string) (Key, error) {
	encoded = strings.TrimSpace(encoded)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(encoded); err == nil {
			return NewKey(raw)
		}
	}
	return Key{}, errors.New("seal: key is not valid base64")
}

// GenerateKey returns a new random key and its base64 encoding.
func GenerateKey() (Key, string, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, "", fmt.Errorf("seal: generate key: %w", err)
	}
	k, err := NewKey(raw)
	if err != nil {
		return Key{}, "", err
	}
	return k, base64.StdEncoding.EncodeToString(raw), nil
}

// LoadOrCreateKeyFile reads the key kept at path, or generates one and
// writes it there (mode 0600, published atomically so two processes
// starting together cannot each keep a different key). created reports
// whether the file was written now.
func LoadOrCreateKeyFile(path string) (key Key, created bool, err error) {
	data, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(data))
		if err != nil {
			return Key{}, false, fmt.Errorf("seal: key file %s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Key{}, false, fmt.Errorf("seal: read key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, false, fmt.Errorf("seal: create key directory: %w", err)
	}
	k, encoded, err := GenerateKey()
	if err != nil {
		return Key{}, false, err
	}
	// Write the key to a private temporary file, sync it, then link it into
	// place: the link fails if the file exists, and a reader never sees a
	// key file without its key. Two processes starting together therefore
	// agree on one key.
	f, err := os.CreateTemp(filepath.Dir(path), ".secret-key-*")
	if err != nil {
		return Key{}, false, fmt.Errorf("seal: create key file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return Key{}, false, fmt.Errorf("seal: create key file: %w", err)
	}
	if _, err := f.WriteString(encoded + "\n"); err != nil {
		f.Close()
		return Key{}, false, fmt.Errorf("seal: write key file: %w", err)
	}
	// The key must survive a crash: a lost key loses every sealed secret.
	if err := f.Sync(); err != nil {
		f.Close()
		return Key{}, false, fmt.Errorf("seal: sync key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return Key{}, false, fmt.Errorf("seal: close key file: %w", err)
	}
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		// Another process won the race; use its key.
		return LoadOrCreateKeyFile(path)
	} else if err != nil {
		return Key{}, false, fmt.Errorf("seal: install key file: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // make the new name durable too
		d.Close()
	}
	return k, true, nil
}

// Sealer seals with its current key and opens with any key it holds.
// It is safe for concurrent use.
type Sealer struct {
	current Key
	keys    map[string]Key
}

// NewSealer returns a Sealer that seals with current and also opens values
// sealed with any of previous.
func NewSealer(current Key, previous ...Key) (*Sealer, error) {
	if current.aead == nil {
		return nil, errors.New("seal: no current key")
	}
	s := &Sealer{current: current, keys: map[string]Key{current.id: current}}
	for _, k := range previous {
		if k.aead == nil {
			return nil, errors.New("seal: empty previous key")
		}
		if _, dup := s.keys[k.id]; !dup {
			s.keys[k.id] = k
		}
	}
	return s, nil
}

// FromEnv builds the Sealer of a running installation. The current key is
// $ORDERBRIDGE_SECRET_KEY; without it, the key kept in dataDir/secret.key,
// generated on first use. $ORDERBRIDGE_SECRET_KEYS_PREVIOUS adds older keys,
// and a key file left in dataDir after moving to an environment key is kept
// as a previous key, so moving never strands a secret. created reports
// whether a key file was generated now (worth a log line).
func FromEnv(getenv func(string) string, dataDir string) (s *Sealer, created bool, err error) {
	var previous []Key
	for i, part := range strings.Split(getenv(EnvPreviousKeys), ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, err := ParseKey(part)
		if err != nil {
			return nil, false, fmt.Errorf("seal: %s entry %d: %w", EnvPreviousKeys, i+1, err)
		}
		previous = append(previous, k)
	}
	keyPath := ""
	if dataDir != "" {
		keyPath = filepath.Join(dataDir, KeyFileName)
	}
	if v := getenv(EnvKey); strings.TrimSpace(v) != "" {
		current, err := ParseKey(v)
		if err != nil {
			return nil, false, fmt.Errorf("seal: %s: %w", EnvKey, err)
		}
		if keyPath != "" {
			if _, err := os.Stat(keyPath); err == nil {
				fileKey, _, err := LoadOrCreateKeyFile(keyPath)
				if err != nil {
					return nil, false, err
				}
				previous = append(previous, fileKey)
			}
		}
		s, err := NewSealer(current, previous...)
		return s, false, err
	}
	if keyPath == "" {
		return nil, false, fmt.Errorf("seal: no key: set %s or give a data directory", EnvKey)
	}
	current, created, err := LoadOrCreateKeyFile(keyPath)
	if err != nil {
		return nil, false, err
	}
	s, err = NewSealer(current, previous...)
	return s, created, err
}

// CurrentKeyID returns the identifier of the key new values are sealed with.
func (s *Sealer) CurrentKeyID() string { return s.current.id }

// Seal encrypts plaintext bound to additionalData with the current key and
// a random nonce. The result is text: "ob1:<key id>:<base64 nonce+ciphertext>".
func (s *Sealer) Seal(plaintext, additionalData []byte) (string, error) {
	aead := s.current.aead
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	buf = aead.Seal(buf, buf[:aead.NonceSize()], plaintext, additionalData)
	return prefix + ":" + s.current.id + ":" + base64.RawStdEncoding.EncodeToString(buf), nil
}

// KeyID returns the identifier of the key that sealed a value.
func KeyID(sealed string) (string, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != prefix || parts[1] == "" {
		return "", ErrMalformed
	}
	return parts[1], nil
}

// Open decrypts a value sealed by Seal with the same additionalData.
func (s *Sealer) Open(sealed string, additionalData []byte) ([]byte, error) {
	id, err := KeyID(sealed)
	if err != nil {
		return nil, err
	}
	k, ok := s.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[len(prefix)+1+len(id)+1:])
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, ErrMalformed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], additionalData)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// NeedsReseal reports whether a value was sealed with a key other than the
// current one, so a rotation can re-seal what is left under old keys.
func (s *Sealer) NeedsReseal(sealed string) bool {
	id, err := KeyID(sealed)
	return err != nil || id != s.current.id
}
