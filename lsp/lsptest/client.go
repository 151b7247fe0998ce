// Package lsptest is a Language Server Protocol client for tests: it speaks to a server
// over a pair of pipes (or a process's standard input and output) with its own
// message framing, so that anything on the server's output that is not a well-formed
// protocol message fails the test, and it applies text edits with its own position
// arithmetic, independent of the server's.
package lsptest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Message is a JSON-RPC message as read.
type Message struct {
	JSONRPC string           `json:"jsonrpc"`
	ID      *json.RawMessage `json:"id,omitempty"`
	Method  string           `json:"method,omitempty"`
	Params  json.RawMessage  `json:"params,omitempty"`
	Result  json.RawMessage  `json:"result,omitempty"`
	Error   *ResponseError   `json:"error,omitempty"`
}

// ResponseError is an error answer.
type ResponseError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *ResponseError) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

// Client is a test client. Its handlers answer the server's requests.
type Client struct {
	w  io.Writer
	wm sync.Mutex

	mu      sync.Mutex
	cond    *sync.Cond
	nextID  int
	pending map[string]chan Message
	notes   []Message // notifications received, in order
	readErr error     // why reading stopped (io.EOF at a clean end)
	// Requests are the server's requests received, in order.
	Requests []Message

	// Handlers answer the server's requests by method; a request without one gets
	// null. They run on the reading goroutine.
	Handlers map[string]func(params json.RawMessage) (any, *ResponseError)
	// Timeout bounds every wait (default 10s).
	Timeout time.Duration
}

// New starts a client that reads the server's messages from r and writes to w.
func New(r io.Reader, w io.Writer) *Client {
	c := &Client{w: w, pending: map[string]chan Message{}, Handlers: map[string]func(json.RawMessage) (any, *ResponseError){},
		Timeout: 10 * time.Second}
	c.cond = sync.NewCond(&c.mu)
	go c.read(bufio.NewReader(r))
	return c
}

// ReadMessage reads one message in the protocol's framing: headers, of which
// Content-Length is required and only Content-Type may stand beside it, each ending in
// "\r\n", an empty line, then exactly that many bytes of JSON.
func ReadMessage(r *bufio.Reader) (Message, error) {
	var m Message
	length := -1
	first := true
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if first && line == "" && err == io.EOF {
				return m, io.EOF
			}
			return m, fmt.Errorf("reading a header: %q: %v", line, err)
		}
		first = false
		if !strings.HasSuffix(line, "\r\n") {
			return m, fmt.Errorf("header line %q does not end in CRLF", line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return m, fmt.Errorf("not a header: %q (is something else writing to the server's output?)", line)
		}
		switch textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)) {
		case "Content-Length":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return m, fmt.Errorf("bad Content-Length %q", v)
			}
			length = n
		case "Content-Type":
		default:
			return m, fmt.Errorf("unknown header %q", line)
		}
	}
	if length < 0 {
		return m, errors.New("no Content-Length header")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return m, fmt.Errorf("reading a %d-byte body: %v", length, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("body %q: %v", body, err)
	}
	if dec.More() {
		return m, fmt.Errorf("body %q: more than one JSON value", body)
	}
	if m.JSONRPC != "2.0" {
		return m, fmt.Errorf("body %q: jsonrpc is not 2.0", body)
	}
	return m, nil
}

func (c *Client) read(r *bufio.Reader) {
	for {
		m, err := ReadMessage(r)
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			for _, ch := range c.pending {
				close(ch)
			}
			c.pending = map[string]chan Message{}
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		switch {
		case m.Method != "" && m.ID != nil: // a request of the server
			c.mu.Lock()
			c.Requests = append(c.Requests, m)
			h := c.Handlers[m.Method]
			c.cond.Broadcast()
			c.mu.Unlock()
			var result any
			var rerr *ResponseError
			if h != nil {
				result, rerr = h(m.Params)
			}
			resp := map[string]any{"jsonrpc": "2.0", "id": m.ID}
			if rerr != nil {
				resp["error"] = rerr
			} else {
				resp["result"] = result
			}
			_ = c.write(resp)
		case m.Method != "": // a notification
			c.mu.Lock()
			c.notes = append(c.notes, m)
			c.cond.Broadcast()
			c.mu.Unlock()
		default: // a response
			c.mu.Lock()
			key := string(*m.ID)
			ch := c.pending[key]
			delete(c.pending, key)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
	}
}

func (c *Client) write(v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wm.Lock()
	defer c.wm.Unlock()
	_, err = fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return err
}

// Send sends a request and returns its id without waiting.
func (c *Client) Send(method string, params any) (int, chan Message, error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	ch, err := c.SendID(id, method, params)
	return id, ch, err
}

// SendID sends a request with the given id (a number or a string, as some clients
// use) without waiting.
func (c *Client) SendID(id any, method string, params any) (chan Message, error) {
	key, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	ch := make(chan Message, 1)
	c.mu.Lock()
	c.pending[string(key)] = ch
	c.mu.Unlock()
	return ch, c.write(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

// Wait waits for the answer of a request sent with Send and decodes its result.
func (c *Client) Wait(ch chan Message, result any) error {
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("connection closed: %v", c.ReadErr())
		}
		if m.Error != nil {
			return m.Error
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-time.After(c.Timeout):
		return errors.New("timed out waiting for an answer")
	}
}

// Call sends a request and waits for its answer.
func (c *Client) Call(method string, params, result any) error {
	_, ch, err := c.Send(method, params)
	if err != nil {
		return err
	}
	if err := c.Wait(ch, result); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	return nil
}

// Notify sends a notification.
func (c *Client) Notify(method string, params any) error {
	return c.write(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// ReadErr is why reading stopped: nil while it goes on, io.EOF after a clean end.
func (c *Client) ReadErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readErr
}

// WaitClosed waits until the server closes its output and returns nil when it did so
// between two messages.
func (c *Client) WaitClosed() error {
	deadline := time.Now().Add(c.Timeout)
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.readErr == nil {
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the server to close its output")
		}
		c.waitLocked(deadline)
	}
	if c.readErr == io.EOF {
		return nil
	}
	return c.readErr
}

// waitLocked waits for news until the deadline (c.mu held).
func (c *Client) waitLocked(deadline time.Time) {
	t := time.AfterFunc(time.Until(deadline), func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	c.cond.Wait()
	t.Stop()
}

// WaitRequest waits for a request of the server with the given method whose params
// contain substr, and returns its params.
func (c *Client) WaitRequest(method, substr string) (json.RawMessage, error) {
	deadline := time.Now().Add(c.Timeout)
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for _, m := range c.Requests {
			if m.Method == method && strings.Contains(string(m.Params), substr) {
				return m.Params, nil
			}
		}
		if c.readErr != nil {
			return nil, fmt.Errorf("waiting for the request %s: connection closed: %v", method, c.readErr)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("timed out waiting for the request %s", method)
		}
		c.waitLocked(deadline)
	}
}

// Notifications returns the notifications of a method received so far.
func (c *Client) Notifications(method string) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, m := range c.notes {
		if m.Method == method {
			out = append(out, m)
		}
	}
	return out
}

// Mark returns how many notifications have been received so far, for
// WaitNotificationSince.
func (c *Client) Mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.notes)
}

// WaitNotification waits for the first notification of method after the first skip
// ones whose params satisfy ok (nil: any), and returns its params.
func (c *Client) WaitNotification(method string, skip int, ok func(json.RawMessage) bool) (json.RawMessage, error) {
	return c.wait(0, method, skip, ok)
}

// WaitNotificationSince is WaitNotification over the notifications received after
// Mark returned mark.
func (c *Client) WaitNotificationSince(mark int, method string, ok func(json.RawMessage) bool) (json.RawMessage, error) {
	return c.wait(mark, method, 0, ok)
}

func (c *Client) wait(from int, method string, skip int, ok func(json.RawMessage) bool) (json.RawMessage, error) {
	deadline := time.Now().Add(c.Timeout)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for i := from; ; {
		for ; i < len(c.notes); i++ {
			m := c.notes[i]
			if m.Method != method {
				continue
			}
			if n >= skip && (ok == nil || ok(m.Params)) {
				return m.Params, nil
			}
			n++
		}
		if c.readErr != nil {
			return nil, fmt.Errorf("waiting for %s: connection closed: %v", method, c.readErr)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("timed out waiting for %s", method)
		}
		c.waitLocked(deadline)
	}
}

// Position is an LSP position.
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Range is an LSP range.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// TextEdit is an LSP text edit.
type TextEdit struct {
	Range   Range  `json:"range"`
	NewText string `json:"newText"`
}

// Offset returns the byte offset of p in text, with character offsets counted in enc
// ("utf-8", "utf-16" or "utf-32") and lines ending at "\n", "\r\n" or "\r". A
// character past the end of its line is the end of the line.
func Offset(text string, p Position, enc string) (int, error) {
	off := 0
	for l := 0; l < p.Line; l++ {
		i := strings.IndexAny(text[off:], "\r\n")
		if i < 0 {
			return 0, fmt.Errorf("line %d is past the end of a %d-line text", p.Line, l+1)
		}
		off += i
		if strings.HasPrefix(text[off:], "\r\n") {
			off += 2
		} else {
			off++
		}
	}
	end := len(text)
	if i := strings.IndexAny(text[off:], "\r\n"); i >= 0 {
		end = off + i
	}
	n := 0
	for off < end && n < p.Character {
		r, size := utf8.DecodeRuneInString(text[off:])
		switch enc {
		case "utf-8":
			n += size
		case "utf-32":
			n++
		default:
			n += len(utf16.Encode([]rune{r}))
		}
		off += size
	}
	if n > p.Character {
		return 0, fmt.Errorf("position %+v is inside a character", p)
	}
	return off, nil
}

// Apply applies text edits, all relative to text, as the protocol says a client does.
func Apply(text string, edits []TextEdit, enc string) (string, error) {
	type span struct {
		start, end int
		s          string
		i          int
	}
	var spans []span
	for i, e := range edits {
		s, err := Offset(text, e.Range.Start, enc)
		if err != nil {
			return "", err
		}
		t, err := Offset(text, e.Range.End, enc)
		if err != nil {
			return "", err
		}
		if t < s {
			return "", fmt.Errorf("edit %d ends before it starts", i)
		}
		spans = append(spans, span{s, t, e.NewText, i})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	last := 0
	for i, sp := range spans {
		if sp.start < last || i > 0 && sp.start == spans[i-1].start && sp.start == sp.end && spans[i-1].start == spans[i-1].end {
			return "", fmt.Errorf("edits overlap at byte %d", sp.start)
		}
		b.WriteString(text[last:sp.start])
		b.WriteString(sp.s)
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}
