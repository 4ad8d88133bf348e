package xaitest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// restartMu serialises restarts, of every server: they are rare and quick.
var restartMu sync.Mutex

// Restart simulates the restart of the server process: it stops serving,
// which ends every open call and stream (clients see UNAVAILABLE, as when a
// real server goes away), and serves again on the same address with the
// same in-memory state: stored responses, deferred jobs, files,
// collections, batches, video jobs, health statuses, pending faults and
// scripted replies, the request log, latency and clock all survive (the
// state lives in the Server, made once by [NewServer]). Clients, Conn
// included, reconnect by themselves on their next call; nothing has to be
// re-dialled.
//
// Restart works only on a loopback server, not one made [WithBufconn]. It
// must not run at the same time as Close or Shutdown, and it fails once
// the server is closed. It returns when the new listener accepts
// connections and every handler of the old one has returned.
func (s *Server) Restart() error {
	restartMu.Lock()
	defer restartMu.Unlock()
	if s.buf != nil {
		return errors.New("xaitest: Restart needs a loopback server; this one uses bufconn")
	}
	select {
	case <-s.closing:
		return errors.New("xaitest: Restart: the server is closed")
	default:
	}

	old, oldDone := s.gs, s.serveDone
	// Give the port up, and take it again as soon as the old Serve has
	// returned, before the old connections are cut, so that clients
	// reconnecting find it open. Waiting for Serve to return also orders
	// its reads of s.gs and s.lis before the writes below.
	_ = s.lis.Close() // the old Serve returns; its connections live on
	<-oldDone
	lis, err := listenAgain(s.addr)
	if err != nil {
		// The port is lost: the calls in progress are cut, as by Close.
		old.Stop()
		return fmt.Errorf("xaitest: Restart: listening again on %s: %w", s.addr, err)
	}
	gs := s.newGRPCServer()
	done := make(chan struct{})
	s.gs, s.lis, s.serveDone = gs, lis, done
	s.register()
	go func() {
		defer close(done)
		_ = gs.Serve(lis)
	}()

	// End the calls of the old server: Stop closes its connections,
	// cancels its handlers and waits for them to return.
	old.Stop()
	return nil
}

// listenAgain listens on addr, retrying briefly while the system has not
// yet released the port.
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for range 50 {
		var lis net.Listener
		if lis, err = net.Listen("tcp", addr); err == nil {
			return lis, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, err
}
