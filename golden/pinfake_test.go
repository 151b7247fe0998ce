package golden

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/dfix-dev/dfix/fix"
)

// fakeResolver answers the pin-digest rule in golden cases without a registry: the
// digest of a reference is the sha256 of its text (with "moved" in the name, of its
// text and "moved", so a pinned digest differs), and a reference with "missing" in it
// is not found.
type fakeResolver struct{}

func (fakeResolver) Resolve(_ context.Context, ref, _ string) (fix.PinResult, error) {
	if strings.Contains(ref, "missing") {
		return fix.PinResult{}, errors.New("GET https://registry/v2/missing/manifests/1: 404 Not Found (no such image or tag)")
	}
	return fix.PinResult{Digest: FakeDigest(ref)}, nil
}

// FakeDigest is the digest fakeResolver gives ref.
func FakeDigest(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return "sha256:" + hex.EncodeToString(sum[:])
}
