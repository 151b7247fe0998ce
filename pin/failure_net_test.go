package pin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// These tests cover the network failures of issue 5 that need no HTTP status: a
// registry whose TLS certificate is not trusted, and a registry host that does not
// exist. All traffic stays on 127.0.0.1: the transports below dial only loopback.

// loopbackTransport is a clone of http.DefaultTransport whose connections all go to
// addr, whatever host the request names.
func loopbackTransport(addr string) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return tr
}

// checkFailure checks that ref failed once, for the file Dockerfile, with no digest.
func checkFailure(t *testing.T, r *Resolver, res Result, err error, ref, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("lookup of %s succeeded: %+v", ref, res)
	}
	if res.Digest != "" {
		t.Errorf("a failed lookup gave the digest %s", res.Digest)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, ref+": ") || !strings.Contains(msg, want) {
		t.Errorf("err = %v\nwant it to start with %q and say %q", err, ref+": ", want)
	}
	t.Logf("err = %v", err)
	fs := r.Failures()
	if len(fs) != 1 || fs[0].Ref != ref || strings.Join(fs[0].Files, ",") != "Dockerfile" {
		t.Errorf("failures = %+v, want %s used by Dockerfile", fs, ref)
	}
}

// tlsServer starts an HTTPS server on 127.0.0.1 that counts the requests getting
// past the handshake; cert replaces httptest's own certificate when set.
func tlsServer(t *testing.T, cert *tls.Certificate) (addr string, requests *atomic.Int64) {
	t.Helper()
	requests = new(atomic.Int64)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		requests.Add(1) // never reached: the handshake fails first
		w.WriteHeader(http.StatusOK)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are expected
	if cert != nil {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	srv.StartTLS() // without cert: httptest's certificate, for 127.0.0.1 and example.com
	t.Cleanup(srv.Close)
	addr = srv.Listener.Addr().String()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("test server listens on %s, not loopback", addr)
	}
	return addr, requests
}

// selfSigned makes a self-signed certificate for host.
func selfSigned(t *testing.T, host string) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestFaultTLSCertificateNotTrusted(t *testing.T) {
	const host = "registry.dfix.test"
	for _, c := range []struct {
		name string
		cert *tls.Certificate
	}{
		{"a registry with a self-signed certificate fails the lookup naming the image", selfSigned(t, host)},
		{"a registry whose certificate names another host fails the lookup naming the image", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, requests := tlsServer(t, c.cert)
			r, err := New(Options{
				Keychain:  authn.NewMultiKeychain(),
				Transport: loopbackTransport(addr),
				Timeout:   10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			ref := host + ":443/library/app:1" // a port: https, as for any registry not on localhost
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := r.Resolve(ctx, ref, "Dockerfile")
			checkFailure(t, r, res, err, ref, "TLS: the registry's certificate is not trusted")
			if n := requests.Load(); n != 0 {
				t.Errorf("%d requests got past the TLS handshake", n)
			}
		})
	}
}

// nxdomainResponder answers every DNS query on a 127.0.0.1 UDP port with NXDOMAIN,
// and counts the queries.
func nxdomainResponder(t *testing.T) (addr string, queries *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	queries = new(atomic.Int64)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			if n < 12 {
				continue
			}
			queries.Add(1)
			q := buf[:n]
			// The question ends after its name (length-prefixed labels, then 0) and
			// 4 bytes of type and class; additional records (EDNS) are dropped.
			end := 12
			for end < n && q[end] != 0 {
				end += int(q[end]) + 1
			}
			end += 1 + 4
			if end > n {
				continue
			}
			resp := make([]byte, end)
			copy(resp, q[:end])
			resp[2] = 0x80 | q[2]&0x79 // QR=1, keep opcode and RD; AA=0, TC=0
			resp[3] = 0x80 | 3         // RA=1, RCODE=3 (NXDOMAIN)
			resp[4], resp[5] = 0, 1    // one question
			resp[6], resp[7] = 0, 0    // no answers
			resp[8], resp[9] = 0, 0    // no authority
			resp[10], resp[11] = 0, 0  // no additional
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String(), queries
}

func TestFaultDNSNoSuchHost(t *testing.T) {
	dnsAddr, queries := nxdomainResponder(t)
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "udp", dnsAddr)
		},
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		ips, err := resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips { // never reached with the NXDOMAIN responder
			if !ip.IP.IsLoopback() {
				t.Errorf("%s resolved to %s, not loopback: not dialling it", host, ip)
				continue
			}
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(ip.IP.String(), port))
		}
		return nil, &net.DNSError{Err: "no loopback address", Name: host, IsNotFound: true}
	}

	t.Run("a registry host that does not exist fails the lookup naming the image and the host", func(t *testing.T) {
		r, err := New(Options{Keychain: authn.NewMultiKeychain(), Transport: tr, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ref := "nosuch.dfix.test/library/app:1"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := r.Resolve(ctx, ref, "Dockerfile")
		checkFailure(t, r, res, err, ref, `cannot find the registry host "nosuch.dfix.test"`)
		if n := queries.Load(); n == 0 {
			t.Error("the DNS responder on loopback got no query")
		}
	})
}
