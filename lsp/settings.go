package lsp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"time"
)

// Settings are the editor's settings for dfix: initializationOptions, or the "dfix"
// section of workspace/didChangeConfiguration and workspace/configuration. They add to
// the flags the server was started with (`dfix lsp --unsafe-fixes ...`), as flags
// written after them would; the nearest .dfix.toml of each document applies below
// both, as on the command line.
type Settings struct {
	UnsafeFixes *bool    `json:"unsafeFixes,omitempty"` // --unsafe-fixes
	Select      []string `json:"select,omitempty"`      // --select
	Ignore      []string `json:"ignore,omitempty"`      // --ignore
	Config      string   `json:"config,omitempty"`      // --config FILE
	NoConfig    bool     `json:"noConfig,omitempty"`    // --no-config
	Context     string   `json:"context,omitempty"`     // --context DIR
	// Pin turns digest pinning on: it needs PinLock (or --pin-lock), and then looks
	// images up in their registries unless Offline.
	Pin     bool   `json:"pin,omitempty"`
	PinLock string `json:"pinLock,omitempty"`
	Offline bool   `json:"offline,omitempty"`
	// Args are more dfix flags, as on the command line.
	Args []string `json:"args,omitempty"`
	// Debounce is how long after the last change diagnostics are computed, in
	// milliseconds (default 150).
	Debounce *int `json:"debounce,omitempty"`
}

// editorOnly are keys of the "dfix" settings section that belong to the editor's
// extension (which binary to start, tracing), not to the server.
var editorOnly = []string{"path", "trace", "enable", "serverPath"}

// parseSettings reads settings sent by the client. They may come as the section
// itself or wrapped in {"dfix": {...}}; null means none, and so does an empty array
// (Neovim's JSON for an empty Lua table: `settings = { dfix = {} }`). Unknown keys
// are an error (a misspelt setting should not be silently ignored).
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	raw = bytes.TrimSpace(raw)
	var arr []json.RawMessage
	if len(raw) == 0 || string(raw) == "null" || raw[0] == '[' && json.Unmarshal(raw, &arr) == nil && len(arr) == 0 {
		return s, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return s, fmt.Errorf("settings: not an object: %v", err)
	}
	if inner, ok := obj["dfix"]; ok {
		return parseSettings(inner)
	}
	for _, k := range editorOnly {
		delete(obj, k)
	}
	b, _ := json.Marshal(obj)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("settings: %v (known: %s)", err, knownKeys())
	}
	if s.Debounce != nil && *s.Debounce < 0 {
		return Settings{}, fmt.Errorf("settings: debounce %d is negative", *s.Debounce)
	}
	return s, nil
}

func knownKeys() string {
	keys := []string{"unsafeFixes", "select", "ignore", "config", "noConfig", "context", "pin", "pinLock", "offline", "args", "debounce"}
	sort.Strings(keys)
	b, _ := json.Marshal(keys)
	return string(b)
}

// resolve makes the settings' relative paths relative to the workspace root.
func (s Settings) resolve(root string) Settings {
	if root == "" {
		return s
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	s.Config, s.PinLock, s.Context = abs(s.Config), abs(s.PinLock), abs(s.Context)
	return s
}

// debounce returns the delay before diagnostics after a change.
func (s Settings) debounce(def time.Duration) time.Duration {
	if s.Debounce != nil {
		return time.Duration(*s.Debounce) * time.Millisecond
	}
	return def
}
