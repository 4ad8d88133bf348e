package xaitest

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Every call goes through the same steps. When its headers arrive it is
// authenticated (tapAuthenticate; a call without an accepted key ends
// there, unread and unrecorded). Then, in the interceptors, it is
// recorded, waits out the configured latency, is refused when its service
// is not emulated, and fails when a fault is pending for its method. Only
// then does the handler run. The health and reflection services skip all
// of these steps; so do calls of the control service, which checks its own
// key (see control.go).

// unaryInterceptor applies those steps to unary calls.
func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if isDiscovery(info.FullMethod) || isControl(info.FullMethod) {
		return handler(ctx, req)
	}
	md, _ := metadata.FromIncomingContext(ctx)
	rec := s.record(info.FullMethod, req, md)
	if err := s.admit(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	f, ok := s.takeFault(info.FullMethod, md)
	if !ok {
		return handler(withRecord(ctx, rec), req)
	}
	if f.AfterHeaders {
		if _, err := handler(withRecord(ctx, rec), req); err != nil {
			return nil, err
		}
		if err := grpc.SendHeader(ctx, metadata.MD{}); err != nil {
			return nil, err
		}
	}
	return nil, f.fail(func(md metadata.MD) { _ = grpc.SetTrailer(ctx, md) })
}

// streamInterceptor applies those steps to streaming calls. For
// server-streaming calls it reads the single request message first, so that
// the record holds it even when the call is rejected.
func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod == healthpb.Health_Watch_FullMethodName {
		return handler(srv, &healthWatchStream{ServerStream: ss, draining: s.draining})
	}
	if isDiscovery(info.FullMethod) {
		return handler(srv, ss)
	}
	ctx := ss.Context()
	md, _ := metadata.FromIncomingContext(ctx)
	w := &serverStream{ServerStream: ss, s: s}
	var first proto.Message
	if !info.IsClientStream {
		if m := newRequestMessage(info.FullMethod); m != nil {
			if err := ss.RecvMsg(m); err != nil {
				s.record(info.FullMethod, nil, md)
				return err
			}
			first = m
			w.pending = m
		}
	}
	w.rec = s.record(info.FullMethod, first, md)
	w.recordNext = first == nil
	w.ctx = withRecord(ctx, w.rec)

	if err := s.admit(ctx, info.FullMethod); err != nil {
		return err
	}
	if f, ok := s.takeFault(info.FullMethod, md); ok {
		if !f.AfterHeaders && (!info.IsServerStream || f.AfterChunks <= 0) {
			return f.fail(ss.SetTrailer)
		}
		w.fault = &f
	}
	err := handler(srv, w)
	if err == nil && w.fault != nil && w.fault.AfterHeaders {
		_ = w.ServerStream.SendHeader(metadata.MD{}) // fails if messages already sent them
		return w.fault.fail(ss.SetTrailer)
	}
	if err == nil && w.fault != nil {
		// The stream ended before reaching AfterChunks: fail at its end.
		return w.fault.fail(ss.SetTrailer)
	}
	return err
}

// admit waits out the latency, then checks whether the method is
// emulated. The key was checked before: see tapAuthenticate.
func (s *Server) admit(ctx context.Context, fullMethod string) error {
	if err := s.wait(ctx, s.currentLatency()); err != nil {
		return err
	}
	return notEmulated(fullMethod)
}

// notEmulatedServices are registered so their methods exist, but the fake
// has no behaviour for them.
var notEmulatedServices = map[string]bool{}

// notEmulated returns UNIMPLEMENTED for methods of services the fake does
// not emulate.
func notEmulated(fullMethod string) error {
	svc, _, _ := splitMethod(fullMethod)
	if notEmulatedServices[svc] {
		return status.Errorf(codes.Unimplemented, "xaitest: %s is not emulated by the fake server yet", fullMethod)
	}
	return nil
}

// splitMethod splits "/pkg.Service/Method" into its service and method.
func splitMethod(fullMethod string) (service, method string, ok bool) {
	return strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
}

// newRequestMessage returns an empty request message for a method of the
// contract, found through the protobuf registry, or nil.
func newRequestMessage(fullMethod string) proto.Message {
	svc, method, ok := splitMethod(fullMethod)
	if !ok {
		return nil
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		return nil
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		return nil
	}
	return mt.New().Interface()
}

// currentLatency returns the latency now in force.
func (s *Server) currentLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// wait sleeps for d unless the call is cancelled or the server closes.
func (s *Server) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	case <-s.closing:
		return status.Error(codes.Unavailable, "xaitest: the server is shutting down")
	}
}

// serverStream wraps a stream to replay the request read by the
// interceptor, record the first client message, inject faults part-way and
// space out messages by a tenth of the latency.
type serverStream struct {
	grpc.ServerStream
	s          *Server
	ctx        context.Context
	rec        *Request
	pending    proto.Message // request already read by the interceptor
	recordNext bool          // record the next message received
	fault      *Fault        // fails the stream after fault.AfterChunks
	sent       int
}

// Context returns the call's context, which carries its record.
func (w *serverStream) Context() context.Context { return w.ctx }

// RecvMsg implements grpc.ServerStream.
func (w *serverStream) RecvMsg(m any) error {
	if w.pending != nil {
		dst, ok := m.(proto.Message)
		if !ok {
			return status.Errorf(codes.Internal, "xaitest: cannot receive into %T", m)
		}
		proto.Reset(dst)
		proto.Merge(dst, w.pending)
		w.pending = nil
		return nil
	}
	if err := w.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if w.recordNext {
		w.recordNext = false
		w.s.setRecordedMessage(w.rec, m)
	}
	return nil
}

// SendMsg implements grpc.ServerStream.
func (w *serverStream) SendMsg(m any) error {
	if w.fault != nil && w.sent >= w.fault.AfterChunks {
		if w.fault.AfterHeaders {
			return nil // dropped: the stream fails once the handler is done
		}
		err := w.fault.fail(w.ServerStream.SetTrailer)
		w.fault = nil
		return err
	}
	if w.sent > 0 {
		if err := w.s.wait(w.ctx, w.s.currentLatency()/10); err != nil {
			return err
		}
	}
	if err := w.ServerStream.SendMsg(m); err != nil {
		return err
	}
	w.sent++
	return nil
}

// healthWatchStream ends a health Watch once it has told the client that
// the server is draining: otherwise the watch, which never ends by itself,
// would hold Shutdown up until its deadline.
type healthWatchStream struct {
	grpc.ServerStream
	draining <-chan struct{}
}

// SendMsg implements grpc.ServerStream.
func (w *healthWatchStream) SendMsg(m any) error {
	if err := w.ServerStream.SendMsg(m); err != nil {
		return err
	}
	select {
	case <-w.draining:
		if r, ok := m.(*healthpb.HealthCheckResponse); ok && r.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
			return status.Error(codes.Unavailable, "xaitest: the server is shutting down")
		}
	default:
	}
	return nil
}

// recordKey is the context key of a call's record.
type recordKey struct{}

func withRecord(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, recordKey{}, r)
}

// recordFrom returns the record of the call ctx belongs to, or nil.
func recordFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(recordKey{}).(*Request)
	return r
}
