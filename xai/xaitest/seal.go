package xaitest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// The fake hands out two kinds of opaque blobs, both sealed with
// AES-256-GCM under the server's key and encoded as standard base64:
// encrypted reasoning (use_encrypted_content) and compacted contexts
// (CompactContext). A blob that does not open under the key, because it
// was altered or made by another server, is rejected.

// Kinds of sealed payloads.
const (
	sealedReasoning  = "reasoning"
	sealedCompaction = "compaction"
)

// sealAAD is the additional data of a blob: it binds the blob to this
// fake, its format version and the team it was made for, so that another
// team cannot open it.
func sealAAD(t team) []byte {
	return []byte("xaitest sealed content v2\x00" + string(t))
}

// sealedPayload is what a blob holds once opened.
type sealedPayload struct {
	Kind  string `json:"kind"`
	Model string `json:"model"`
	// Text is the reasoning, for sealedReasoning.
	Text string `json:"text,omitempty"`
	// Context is a marshalled CompactContextRequest, for sealedCompaction.
	Context []byte `json:"context,omitempty"`
}

// sealer seals and opens blobs.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("xaitest: the encryption key must be 32 bytes (AES-256), got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("xaitest: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("xaitest: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts p for team t under a fresh random nonce.
func (sl *sealer) seal(t team, p sealedPayload) (string, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, sl.aead.NonceSize(), sl.aead.NonceSize()+len(plain)+sl.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sl.aead.Seal(nonce, nonce, plain, sealAAD(t))), nil
}

// errForeignBlob is returned for blobs this server cannot open.
var errForeignBlob = errors.New("it was not issued by this server to this team, or has been modified")

// open decrypts a blob that seal made for team t.
func (sl *sealer) open(t team, blob string) (sealedPayload, error) {
	raw, err := base64.StdEncoding.DecodeString(blob)
	if err != nil || len(raw) < sl.aead.NonceSize()+sl.aead.Overhead() {
		return sealedPayload{}, errForeignBlob
	}
	n := sl.aead.NonceSize()
	plain, err := sl.aead.Open(nil, raw[:n], raw[n:], sealAAD(t))
	if err != nil {
		return sealedPayload{}, errForeignBlob
	}
	var p sealedPayload
	if err := json.Unmarshal(plain, &p); err != nil {
		return sealedPayload{}, errForeignBlob
	}
	return p, nil
}
