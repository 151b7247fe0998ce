package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

// Neovim's built-in LSP client (Debian's 0.7 and later) drives `dfix lsp` headless:
// diagnostics at the right columns on a line with multi-byte text before them (Neovim
// converts the UTF-16 positions to bytes itself), hover, the ignore code action,
// formatting, and the written file is what `dfix -w` writes on the same text.
func TestLSPNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		t.Skip("nvim is not installed (apt-get install neovim): the end-to-end test with a real editor is skipped")
	}
	bin, err := exec.LookPath("dfix")
	if err != nil {
		t.Skip("no dfix on PATH (run through go test, whose TestMain provides it)")
	}
	script, err := filepath.Abs(filepath.Join("testdata", "lsp", "nvim_e2e.lua"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_ = os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	text := "# ünïcödé 😀 comment\nFROM python:3.12-slim\n" +
		"RUN echo \"日本 😀\" && apt-get update && apt-get install -y gcc\n" +
		"COPY . .\nRUN pip install -r requirements.txt\nCMD python app.py\n"
	df := filepath.Join(dir, "Dockerfile")
	for name, data := range map[string]string{"Dockerfile": text, "requirements.txt": "flask\n", "app.py": "print(1)\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What the editor should end with: the ignore comment above CMD, then dfix -w.
	withIgnore := strings.Replace(text, "CMD python", "# dfix ignore=exec-form\nCMD python", 1)
	want := filepath.Join(t.TempDir(), "Dockerfile")
	for name, data := range map[string]string{"Dockerfile": withIgnore, "requirements.txt": "flask\n", "app.py": "print(1)\n"} {
		_ = os.WriteFile(filepath.Join(filepath.Dir(want), name), []byte(data), 0o644)
	}
	wantText := dashW(t, want)

	out := filepath.Join(t.TempDir(), "result.json")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n",
		"-c", "luafile "+script)
	cmd.Dir = dir
	state := t.TempDir() // Neovim's lsp.log and state, away from the user's
	cmd.Env = append(os.Environ(), "DFIX_BIN="+bin, "DFIX_FILE="+df, "DFIX_OUT="+out,
		"XDG_STATE_HOME="+state, "XDG_CACHE_HOME="+state, "XDG_DATA_HOME="+state, "XDG_CONFIG_HOME="+state)
	output, err := cmd.CombinedOutput()
	var res struct {
		Steps       []string `json:"steps"`
		Error       string   `json:"error"`
		Encoding    string   `json:"encoding"`
		ExitCode    *int     `json:"exit_code"`
		Hover       string   `json:"hover"`
		Actions     []string `json:"actions"`
		Diagnostics []struct {
			Lnum     int    `json:"lnum"`
			Col      int    `json:"col"`
			EndCol   int    `json:"end_col"`
			Code     string `json:"code"`
			Source   string `json:"source"`
			Severity int    `json:"severity"`
			Message  string `json:"message"`
		} `json:"diagnostics"`
	}
	raw, rerr := os.ReadFile(out)
	if rerr == nil {
		rerr = json.Unmarshal(raw, &res)
	}
	if err != nil || rerr != nil || res.Error != "" {
		logs, _ := os.ReadFile(filepath.Join(state, "nvim", "lsp.log"))
		t.Fatalf("nvim: %v; result %v: %s\nsteps %q, error %s\noutput:\n%s\nlsp.log:\n%s", err, rerr, raw, res.Steps, res.Error, output, logs)
	}
	t.Logf("Neovim steps %q, position encoding %s, %d diagnostics, actions %q", res.Steps, res.Encoding, len(res.Diagnostics), res.Actions)

	// Every finding at its byte column, as Neovim computed it from the UTF-16 position.
	doc, err := rewrite.Parse(df, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := fix.Select(fix.Rules(), nil, nil)
	findings := fix.Check(doc, rules)
	if len(res.Diagnostics) != len(findings) {
		t.Errorf("Neovim has %d diagnostics, dfix finds %d: %+v", len(res.Diagnostics), len(findings), res.Diagnostics)
	}
	for _, f := range findings {
		line := doc.LineOf(f.Start) - 1
		col := f.Start - doc.LineStart(line)
		found := false
		for _, d := range res.Diagnostics {
			if d.Code == f.Rule.Name && d.Lnum == line && d.Col == col && d.Source == "dfix" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s diagnostic at line %d byte column %d in Neovim: %+v", f.Rule.Name, line, col, res.Diagnostics)
		}
	}
	if !strings.Contains(res.Hover, "exec-form") || !strings.Contains(res.Hover, "SIGTERM") {
		t.Errorf("hover: %q", res.Hover)
	}
	got, err := os.ReadFile(df)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != wantText {
		t.Errorf("Neovim wrote\n%q\nwant (the ignore comment, then dfix -w)\n%q", got, wantText)
	}
	if res.ExitCode == nil || *res.ExitCode != 0 {
		t.Errorf("dfix lsp exit code %v after Neovim stopped it, want 0", res.ExitCode)
	}
}
