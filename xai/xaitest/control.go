package xaitest

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	// The standard error details, so that InjectFault can decode them.
	_ "google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	controlv1 "github.com/gogrok/sdk/gen/xaitest/control/v1"
)

// The control service (proto/xaitest/control/v1/control.proto) gives tests
// in other languages the Go API of Server over gRPC, on the server's own
// port. Each of its methods converts its request and calls the Go method
// of the same name, so the two cannot drift apart.
//
// It is always registered, so that a client gets a reason rather than
// "unknown service": without WithControlKey every call is
// PERMISSION_DENIED. Its calls are checked against the control key alone,
// as soon as their headers arrive (tapAuthenticate), and skip the steps of
// other calls (record, latency, faults).

// WithControlKey turns on the control service and sets the key it
// accepts, sent as the metadata `authorization: Bearer <key>`. The control
// key must differ from every API and management key: it is refused by the
// API's services, and they are refused by the control service
// (PERMISSION_DENIED). Without this option the control service answers
// every call with PERMISSION_DENIED.
func WithControlKey(key string) Option {
	return func(c *config) {
		c.controlKey = key
		c.controlKeySet = true
	}
}

// ControlKey returns the key of [WithControlKey], or "" when the control
// service is off.
func (s *Server) ControlKey() string { return s.cfg.controlKey }

// checkControlKey validates the option [WithControlKey].
func checkControlKey(cfg *config) error {
	k := cfg.controlKey
	switch {
	case !cfg.controlKeySet:
		return nil
	case k == "" || strings.TrimSpace(k) != k || strings.ContainsAny(k, " \t\r\n"):
		return fmt.Errorf("xaitest: the control key is empty or contains white space")
	case slices.Contains(cfg.apiKeys, k) || slices.Contains(cfg.managementKeys, k):
		return fmt.Errorf("xaitest: the control key is also an API or management key; use a distinct key")
	}
	return nil
}

// controlServiceName is the full name of the control service.
var controlServiceName = controlv1.ControlService_ServiceDesc.ServiceName

// isControl reports whether a method belongs to the control service.
func isControl(fullMethod string) bool {
	svc, _, _ := splitMethod(fullMethod)
	return svc == controlServiceName
}

// authorizeControl checks the key of a control call, from its headers.
func (s *Server) authorizeControl(md metadata.MD) error {
	if s.cfg.controlKey == "" {
		return status.Error(codes.PermissionDenied,
			"xaitest: the control service is off; start the fake with a control key (xaitest.WithControlKey, xaifake -control-key)")
	}
	if len(md.Get("authorization")) == 0 {
		return status.Error(codes.Unauthenticated,
			"missing control key: send gRPC metadata `authorization: Bearer <control key>`")
	}
	key, err := bearerKey(md)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.controlKey)) == 1 {
		return nil
	}
	if _, ok := s.keys[key]; ok {
		return status.Error(codes.PermissionDenied,
			"xaitest: API and management keys cannot use the control service; send the control key")
	}
	return status.Errorf(codes.Unauthenticated, "incorrect control key provided: %s", redactKey(key))
}

// controlService implements the control service.
type controlService struct {
	controlv1.UnimplementedControlServiceServer
	s *Server
	// methods are the API methods a fault may name.
	methods map[string]bool
}

// newControlService returns the control service for the methods already
// registered on s.gs.
func newControlService(s *Server) *controlService {
	c := &controlService{s: s, methods: make(map[string]bool)}
	for svc, info := range s.gs.GetServiceInfo() {
		for _, m := range info.Methods {
			c.methods["/"+svc+"/"+m.Name] = true
		}
	}
	return c
}

// EnqueueReply calls [Server.EnqueueReply].
func (c *controlService) EnqueueReply(_ context.Context, req *controlv1.EnqueueReplyRequest) (*controlv1.EnqueueReplyResponse, error) {
	r := req.GetReply()
	if r == nil {
		return nil, invalid("reply is required")
	}
	reply := Reply{
		Content:             r.GetContent(),
		Reasoning:           r.GetReasoning(),
		ToolCalls:           r.GetToolCalls(),
		Chunks:              r.GetChunks(),
		FinishReason:        r.GetFinishReason(),
		Citations:           r.GetCitations(),
		ServerSideToolsUsed: r.GetServerSideToolsUsed(),
	}
	for _, o := range r.GetOutputs() {
		reply.Outputs = append(reply.Outputs, ReplyOutput{
			Index:        o.GetIndex(),
			Role:         o.GetRole(),
			Content:      o.GetContent(),
			Chunks:       o.GetChunks(),
			Reasoning:    o.GetReasoning(),
			ToolCalls:    o.GetToolCalls(),
			Citations:    o.GetCitations(),
			FinishReason: o.GetFinishReason(),
		})
	}
	c.s.EnqueueReply(reply)
	return &controlv1.EnqueueReplyResponse{}, nil
}

// EnqueueToolFailure calls [Server.EnqueueToolFailure].
func (c *controlService) EnqueueToolFailure(_ context.Context, req *controlv1.EnqueueToolFailureRequest) (*controlv1.EnqueueToolFailureResponse, error) {
	c.s.EnqueueToolFailure(ToolFailure{Type: req.GetType(), Message: req.GetMessage()})
	return &controlv1.EnqueueToolFailureResponse{}, nil
}

// InjectFault calls [Server.InjectFault].
func (c *controlService) InjectFault(_ context.Context, req *controlv1.InjectFaultRequest) (*controlv1.InjectFaultResponse, error) {
	switch m := req.GetMethod(); {
	case m == "":
		return nil, invalid(`method is required, a full method name like "/xai_api.Chat/GetCompletion"`)
	case !c.methods[m] || isControl(m):
		return nil, invalid("method: the fake serves no API method %q; give a full name like \"/xai_api.Chat/GetCompletion\"", m)
	}
	if req.GetCode() > uint32(codes.Unauthenticated) {
		return nil, invalid("code: %d is not a gRPC status code (0 to 16)", req.GetCode())
	}
	if req.GetAfterChunks() < 0 || req.GetTimes() < 0 {
		return nil, invalid("after_chunks and times must not be negative, got %d and %d", req.GetAfterChunks(), req.GetTimes())
	}
	f := Fault{
		Code:         codes.Code(req.GetCode()),
		Message:      req.GetMessage(),
		AfterChunks:  int(req.GetAfterChunks()),
		Times:        int(req.GetTimes()),
		AfterHeaders: req.GetAfterHeaders(),
	}
	for i, a := range req.GetDetails() {
		d, err := a.UnmarshalNew()
		if err != nil {
			return nil, invalid("details[%d]: %v", i, err)
		}
		f.Details = append(f.Details, d)
	}
	for k, v := range req.GetTrailer() {
		if !validMetadataKey(k) {
			return nil, invalid("trailer: %q is not a metadata key (lower-case letters, digits, '-', '_' and '.')", k)
		}
		if f.Trailer == nil {
			f.Trailer = metadata.MD{}
		}
		f.Trailer.Append(k, v)
	}
	if want := maps.Clone(req.GetMatchMetadata()); len(want) > 0 {
		f.Match = func(md metadata.MD) bool {
			for k, v := range want {
				if !slices.Contains(md.Get(k), v) {
					return false
				}
			}
			return true
		}
	}
	c.s.InjectFault(req.GetMethod(), f)
	return &controlv1.InjectFaultResponse{}, nil
}

// SetLatency calls [Server.SetLatency].
func (c *controlService) SetLatency(_ context.Context, req *controlv1.SetLatencyRequest) (*controlv1.SetLatencyResponse, error) {
	d, err := nonNegative("latency", req.GetLatency())
	if err != nil {
		return nil, err
	}
	c.s.SetLatency(d)
	return &controlv1.SetLatencyResponse{}, nil
}

// AdvanceClock calls [Clock.Advance] on the server's clock.
func (c *controlService) AdvanceClock(_ context.Context, req *controlv1.AdvanceClockRequest) (*controlv1.AdvanceClockResponse, error) {
	d, err := durationOf("by", req.GetBy())
	if err != nil {
		return nil, err
	}
	c.s.Clock().Advance(d)
	return &controlv1.AdvanceClockResponse{Now: timestamppb.New(c.s.Clock().Now())}, nil
}

// EnqueueVideoOutcome calls [Server.EnqueueVideoOutcome].
func (c *controlService) EnqueueVideoOutcome(_ context.Context, req *controlv1.EnqueueVideoOutcomeRequest) (*controlv1.EnqueueVideoOutcomeResponse, error) {
	if err := checkFinalStatus(req.GetStatus()); err != nil {
		return nil, err
	}
	c.s.EnqueueVideoOutcome(VideoOutcome{
		PendingPolls: int(req.GetPendingPolls()),
		Status:       req.GetStatus(),
		Error:        req.GetError(),
	})
	return &controlv1.EnqueueVideoOutcomeResponse{}, nil
}

// EnqueueDeferredOutcome calls [Server.EnqueueDeferredOutcome].
func (c *controlService) EnqueueDeferredOutcome(_ context.Context, req *controlv1.EnqueueDeferredOutcomeRequest) (*controlv1.EnqueueDeferredOutcomeResponse, error) {
	if err := checkFinalStatus(req.GetStatus()); err != nil {
		return nil, err
	}
	c.s.EnqueueDeferredOutcome(DeferredOutcome{PendingPolls: int(req.GetPendingPolls()), Status: req.GetStatus()})
	return &controlv1.EnqueueDeferredOutcomeResponse{}, nil
}

// SetIndexingDelay calls [Server.SetIndexingDelay].
func (c *controlService) SetIndexingDelay(_ context.Context, req *controlv1.SetIndexingDelayRequest) (*controlv1.SetIndexingDelayResponse, error) {
	d, err := nonNegative("delay", req.GetDelay())
	if err != nil {
		return nil, err
	}
	c.s.SetIndexingDelay(d)
	return &controlv1.SetIndexingDelayResponse{}, nil
}

// FailIndexing calls [Server.FailIndexing].
func (c *controlService) FailIndexing(_ context.Context, req *controlv1.FailIndexingRequest) (*controlv1.FailIndexingResponse, error) {
	if req.GetName() == "" {
		return nil, invalid("name is required: the name of the document whose indexing fails")
	}
	c.s.FailIndexing(req.GetName(), req.GetReason())
	return &controlv1.FailIndexingResponse{}, nil
}

// ListRequests calls [Server.Requests].
func (c *controlService) ListRequests(_ context.Context, req *controlv1.ListRequestsRequest) (*controlv1.ListRequestsResponse, error) {
	out := &controlv1.ListRequestsResponse{}
	for _, r := range c.s.Requests() {
		if req.GetMethod() != "" && r.FullMethod != req.GetMethod() {
			continue
		}
		rr := &controlv1.RecordedRequest{
			Method:            r.FullMethod,
			Metadata:          metadataEntries(r.Metadata),
			Time:              timestamppb.New(r.Time),
			RestoredReasoning: r.RestoredReasoning,
		}
		if r.Message != nil {
			b, err := protojson.Marshal(r.Message)
			if err != nil {
				return nil, status.Errorf(codes.Internal, "xaitest: encoding the request of %s: %v", r.FullMethod, err)
			}
			rr.MessageJson = string(b)
		}
		out.Requests = append(out.Requests, rr)
	}
	return out, nil
}

// Reset calls [Server.ResetScripts], then [Server.ResetRequests].
func (c *controlService) Reset(context.Context, *controlv1.ResetRequest) (*controlv1.ResetResponse, error) {
	c.s.ResetScripts()
	c.s.ResetRequests()
	return &controlv1.ResetResponse{}, nil
}

// validMetadataKey reports whether k may name gRPC metadata as it is:
// lower-case letters, digits, '-', '_' and '.' (the gRPC over HTTP/2
// spec's Header-Name), and not a pseudo-header.
func validMetadataKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// durationOf converts a duration field; unset is zero.
func durationOf(field string, d *durationpb.Duration) (time.Duration, error) {
	if d == nil {
		return 0, nil
	}
	if err := d.CheckValid(); err != nil {
		return 0, invalid("%s: %v", field, err)
	}
	return d.AsDuration(), nil
}

// nonNegative is durationOf for a field that must not be negative.
func nonNegative(field string, d *durationpb.Duration) (time.Duration, error) {
	v, err := durationOf(field, d)
	if err == nil && v < 0 {
		err = invalid("%s must not be negative, got %v", field, v)
	}
	return v, err
}

// checkFinalStatus accepts the statuses a scripted job can end with.
func checkFinalStatus(st xaiv1.DeferredStatus) error {
	switch st {
	case xaiv1.DeferredStatus_INVALID_DEFERRED_STATUS, xaiv1.DeferredStatus_DONE,
		xaiv1.DeferredStatus_FAILED, xaiv1.DeferredStatus_EXPIRED:
		return nil
	}
	return invalid("status: a job can end DONE, FAILED or EXPIRED, not %v", st)
}

// metadataEntries copies metadata for the record, keys sorted, with the
// authorization value redacted and binary values in base64.
func metadataEntries(md metadata.MD) []*controlv1.MetadataEntry {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*controlv1.MetadataEntry, 0, len(keys))
	for _, k := range keys {
		e := &controlv1.MetadataEntry{Key: k}
		for _, v := range md[k] {
			switch {
			case k == "authorization":
				v = redactAuthorization(v)
			case strings.HasSuffix(k, "-bin"):
				v = base64.StdEncoding.EncodeToString([]byte(v))
			}
			e.Values = append(e.Values, v)
		}
		out = append(out, e)
	}
	return out
}

// redactAuthorization keeps the scheme of an authorization value and masks
// its key as error messages do.
func redactAuthorization(v string) string {
	scheme, key, ok := strings.Cut(strings.TrimSpace(v), " ")
	if key = strings.TrimSpace(key); !ok || key == "" {
		return "***"
	}
	return scheme + " " + redactKey(key)
}
