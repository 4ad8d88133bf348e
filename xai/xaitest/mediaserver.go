package xaitest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// defaultMediaLifetime is how long a generated image or video stays
// downloadable. The service calls these links ephemeral and short-lived
// (docs.x.ai, Imagine: persisting generated output) without giving a
// figure; an hour leaves tests room and is easy to move past with the
// Clock.
const defaultMediaLifetime = time.Hour

// mediaSweepEvery is how many publications pass between two sweeps of
// expired media.
const mediaSweepEvery = 64

// WithMediaServer serves the images and videos the fake generates over
// plain HTTP on a listener of their own at addr, such as "127.0.0.1:0"
// (loopback, a port the system picks). Generated URLs then point there
// (http://127.0.0.1:port/imgen/<hash>.png, .../vidgen/<hash>.mp4), so
// clients can download what they got, as the official SDKs do; the links
// expire on the server's Clock (see [WithMediaLifetime]), after which they
// answer 410 Gone, or 404 once forgotten. MediaURL returns the base URL.
//
// Without this option no listener is opened and generated URLs name a host
// that never resolves (https://imgen.xaitest.invalid/...): tests that only
// look at URLs need no extra port, and [WithBufconn] stays wholly in memory.
// cmd/xaifake serves media by default.
func WithMediaServer(addr string) Option {
	return func(c *config) { c.mediaAddr = addr }
}

// WithMediaLifetime sets how long generated media can be downloaded from
// the media server of [WithMediaServer], measured on the server's Clock from
// generation. The default is one hour. It must be positive.
func WithMediaLifetime(d time.Duration) Option {
	return func(c *config) { c.mediaLifetime = d }
}

// MediaURL returns the base URL of the media server, like
// "http://127.0.0.1:41234", or "" without [WithMediaServer].
func (s *Server) MediaURL() string {
	if s.media == nil {
		return ""
	}
	return s.media.base
}

// mediaURL publishes generated media and returns the URL to put in the
// response: on the media server when there is one, otherwise the
// unfetchable https://<host>.xaitest.invalid/<name> of a fake without it.
// host is "imgen" or "vidgen", name ends in the file's extension.
func (s *Server) mediaURL(host, name string, data []byte) string {
	if s.media == nil {
		return "https://" + host + ".xaitest.invalid/" + name
	}
	return s.media.publish(host, path.Ext(name), data)
}

// mediaServer serves published media until they expire.
type mediaServer struct {
	clock    *Clock
	lifetime time.Duration
	base     string
	hs       *http.Server
	done     chan struct{}

	mu      sync.Mutex
	items   map[string]*mediaItem // by path, like "/imgen/<hash>.png"
	inserts int
}

// mediaItem is one published file.
type mediaItem struct {
	data    []byte
	created time.Time
	expires time.Time
}

// startMediaServer listens on addr and serves until close.
func startMediaServer(addr string, clock *Clock, lifetime time.Duration) (*mediaServer, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("xaitest: media server listening on %s: %w", addr, err)
	}
	host := lis.Addr().(*net.TCPAddr)
	ip := host.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1) // a wildcard listener is reachable on loopback
	}
	m := &mediaServer{
		clock:    clock,
		lifetime: lifetime,
		base:     "http://" + net.JoinHostPort(ip.String(), fmt.Sprint(host.Port)),
		done:     make(chan struct{}),
		items:    make(map[string]*mediaItem),
	}
	m.hs = &http.Server{
		Handler:           m,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(m.done)
		_ = m.hs.Serve(lis) // returns http.ErrServerClosed after close
	}()
	return m, nil
}

// publish stores data under a name derived from its content, so that equal
// media share a URL and different media never do, and returns its URL.
// Publishing again renews the lifetime.
func (m *mediaServer) publish(host, ext string, data []byte) string {
	sum := sha256.Sum256(data)
	p := "/" + host + "/" + hex.EncodeToString(sum[:12]) + ext
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[p] = &mediaItem{data: bytes.Clone(data), created: now, expires: now.Add(m.lifetime)}
	if m.inserts++; m.inserts >= mediaSweepEvery {
		m.inserts = 0
		for k, it := range m.items {
			if !now.Before(it.expires) {
				delete(m.items, k)
			}
		}
	}
	return m.base + p
}

// ServeHTTP answers GET and HEAD for published media: 404 for an unknown
// path, 410 for an expired link.
func (m *mediaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "xaitest media server: only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	now := m.clock.Now()
	m.mu.Lock()
	it, ok := m.items[r.URL.Path]
	expired := ok && !now.Before(it.expires)
	m.mu.Unlock()
	switch {
	case !ok:
		http.Error(w, "xaitest media server: no such media", http.StatusNotFound)
		return
	case expired:
		http.Error(w, "xaitest media server: this link expired at "+it.expires.UTC().Format(time.RFC3339), http.StatusGone)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, ".png"):
		w.Header().Set("Content-Type", "image/png")
	case strings.HasSuffix(r.URL.Path, ".mp4"):
		w.Header().Set("Content-Type", "video/mp4")
	}
	w.Header().Set("Expires", it.expires.UTC().Format(http.TimeFormat))
	http.ServeContent(w, r, "", it.created, bytes.NewReader(it.data))
}

// close stops the listener and every connection, and waits for Serve to
// return.
func (m *mediaServer) close() {
	_ = m.hs.Close() // its only error is that of closing the listener again
	<-m.done
}
