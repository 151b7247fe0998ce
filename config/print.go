package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// effective is the settings as `dfix config` prints them: the keys of a .dfix.toml,
// with select listing every enabled rule, so the TOML output is itself a
// configuration with the same effect.
type effective struct {
	Path            string                    `json:"path" toml:"-"`
	Sources         []string                  `json:"sources" toml:"-"`
	Overrides       []string                  `json:"overrides" toml:"-"`
	Hadolint        string                    `json:"hadolint,omitempty" toml:"-"`
	Select          []string                  `json:"select" toml:"select,multiline"`
	UnsafeFixes     bool                      `json:"unsafe-fixes" toml:"unsafe-fixes"`
	Pin             bool                      `json:"pin" toml:"pin"`
	PinLock         string                    `json:"pin-lock" toml:"pin-lock,omitempty"`
	RegistryMirrors []string                  `json:"registry-mirrors" toml:"registry-mirrors"`
	Rules           map[string]map[string]any `json:"rules" toml:"rules,omitempty"`
}

func (s *Settings) effective(path string) *effective {
	e := &effective{
		Path: Display(path), Sources: []string{}, Overrides: []string{}, Select: RuleNames(s.Rules),
		UnsafeFixes: s.UnsafeFixes, Pin: s.Pin, RegistryMirrors: []string{}, Rules: map[string]map[string]any{},
	}
	for _, src := range s.Sources {
		e.Sources = append(e.Sources, Display(src))
	}
	e.Overrides = append(e.Overrides, s.Overrides...)
	if s.Hadolint != "" {
		e.Hadolint = Display(s.Hadolint)
	}
	if s.PinLock != "" {
		e.PinLock = Display(s.PinLock)
	}
	e.RegistryMirrors = append(e.RegistryMirrors, s.RegistryMirrors...)
	for k, v := range s.RuleOptions {
		e.Rules[k] = v
	}
	return e
}

// WriteJSON prints the settings for path as one JSON object.
func (s *Settings) WriteJSON(w io.Writer, path string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s.effective(path))
}

// WriteTOML prints the settings for path as a .dfix.toml, with where they come from
// in comments.
func (s *Settings) WriteTOML(w io.Writer, path string) error {
	e := s.effective(path)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Effective dfix settings for %s\n", e.Path)
	switch {
	case len(e.Sources) > 0:
		fmt.Fprintf(&b, "# from: %s\n", strings.Join(e.Sources, ", "))
	case e.Hadolint != "":
		fmt.Fprintf(&b, "# from: %s (ignored: list)\n", e.Hadolint)
	default:
		b.WriteString("# from: no configuration file (defaults)\n")
	}
	if len(e.Overrides) > 0 {
		fmt.Fprintf(&b, "# overrides applied: %s\n", strings.Join(e.Overrides, ", "))
	}
	b.WriteString("# select lists every enabled rule; command-line flags are included.\n\n")
	enc := toml.NewEncoder(&b)
	enc.SetIndentTables(true)
	if err := enc.Encode(e); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
