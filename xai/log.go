package xai

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
)

// slogLogger adapts an *slog.Logger to the go-grpc-middleware logging
// interface, scrubbing anything that could carry a key.
func slogLogger(l *slog.Logger, keys ...secret) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		level := slog.Level(lvl) // both packages use the same numbering
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, len(fields)/2)
		for i := 0; i+1 < len(fields); i += 2 {
			k, _ := fields[i].(string)
			attrs = append(attrs, slog.Any(k, scrub(k, fields[i+1], keys)))
		}
		l.LogAttrs(ctx, level, "xai: grpc "+msg, attrs...)
	})
}

// scrub hides authorization values and any occurrence of a key. Values other
// than strings, errors and Stringers (numbers, times, durations) are
// returned unchanged.
func scrub(field string, v any, keys []secret) any {
	if strings.Contains(strings.ToLower(field), "authorization") {
		return redacted
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case error:
		s = x.Error()
	case fmt.Stringer:
		s = x.String()
	default:
		return v
	}
	return scrubString(s, keys)
}

func scrubString(s string, keys []secret) string {
	for _, k := range keys {
		if v := k.reveal(); v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}
