// Package lsp is dfix's language server (`dfix lsp`): findings as diagnostics, a quick
// fix per fixable finding, "ignore this rule here" comments, "fix all" and formatting,
// hover with the rule's explanation, over the Language Server Protocol on standard
// input and output.
//
// The server knows the protocol; dfix itself comes in through Engine, which the main
// package implements with the very function the command line runs on every file, so
// that formatting a buffer gives byte for byte what `dfix -w` writes. JSON-RPC and
// the protocol's framing are github.com/sourcegraph/jsonrpc2's; the LSP 3.17 types the
// server uses are declared in protocol.go. Positions are converted between dfix's
// byte offsets and the encoding negotiated with the client (Lines). Package lsptest
// is a client for tests. docs/editors.md describes the server and how editors start it.
package lsp
