package xaiotel

import (
	"io"

	"google.golang.org/grpc"
)

// tracedStream ends its call's span when the stream ends: at io.EOF, at an
// error, or when the caller's context is cancelled while no receive is in
// progress (the caller stopped reading).
type tracedStream struct {
	grpc.ClientStream
	c    *call
	desc *grpc.StreamDesc
}

func (s *tracedStream) SendMsg(m any) error {
	s.c.request(m)
	err := s.ClientStream.SendMsg(m)
	if err != nil && err != io.EOF {
		// io.EOF means the stream failed; RecvMsg reports how.
		s.c.end(err, endConfirmed)
	}
	return err
}

func (s *tracedStream) CloseSend() error {
	err := s.ClientStream.CloseSend()
	if err != nil {
		s.c.end(err, endConfirmed)
	}
	return err
}

func (s *tracedStream) RecvMsg(m any) error {
	c := s.c
	c.mu.Lock()
	c.receiving = true
	c.mu.Unlock()

	err := s.ClientStream.RecvMsg(m)

	c.mu.Lock()
	c.receiving = false
	if err == nil && !c.ended {
		if c.res.messages == 0 {
			c.confirmed = len(c.attempts) // a message came: earlier attempts were retried
		}
		if c.op != "" {
			c.res.add(m, c.content)
		}
		c.res.messages++
	}
	done := err == nil && (!s.desc.ServerStreams || c.ctx.Err() != nil)
	c.mu.Unlock()

	switch {
	case err != nil:
		c.end(err, endFinal)
	case done && !s.desc.ServerStreams:
		c.end(nil, endFinal) // the only response of a unary-response stream
	case done:
		// The context was cancelled while this receive was in progress;
		// the watch left the end to it.
		c.end(c.ctx.Err(), endConfirmed)
	}
	return err
}

// cancelled runs when the caller's context is done. A receive in progress
// will return the cancellation and end the span itself.
func (s *tracedStream) cancelled() {
	c := s.c
	c.mu.Lock()
	busy := c.receiving
	c.mu.Unlock()
	if !busy {
		c.end(c.ctx.Err(), endConfirmed)
	}
}
