package xai

import (
	"fmt"
	"strings"
)

// Parsers for the enums that applications take from configuration files,
// flags or HTTP input. Each accepts the value's name in any case, with
// surrounding spaces ignored, and returns an [*Error] with code
// InvalidArgument listing the accepted names otherwise.

// ParseDetail parses "auto", "low" or "high".
func ParseDetail(s string) (Detail, error) {
	return parseEnum("ParseDetail", s, DetailAuto, DetailLow, DetailHigh)
}

// ParseReasoningEffort parses "none", "low", "medium", "high" or "xhigh".
func ParseReasoningEffort(s string) (ReasoningEffort, error) {
	return parseEnum("ParseReasoningEffort", s, EffortNone, EffortLow, EffortMedium, EffortHigh, EffortXHigh)
}

// ParseServiceTier parses "default" or "priority".
func ParseServiceTier(s string) (ServiceTier, error) {
	return parseEnum("ParseServiceTier", s, ServiceTierDefault, ServiceTierPriority)
}

// ParseImageFormat parses "url" or "base64".
func ParseImageFormat(s string) (ImageFormat, error) {
	return parseEnum("ParseImageFormat", s, ImageFormatURL, ImageFormatBase64)
}

// parseEnum returns the value among values whose name is s.
func parseEnum[T interface{ ~string | ~int }](fn, s string, values ...T) (T, error) {
	want := strings.ToLower(strings.TrimSpace(s))
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = fmt.Sprint(v) // Detail has a String method; the others are strings
		if names[i] == want {
			return v, nil
		}
	}
	var zero T
	return zero, invalidArgument("%s(%s): unknown value; use one of %s", fn, quoteShort(s), strings.Join(names, ", "))
}

// wireValue returns the wire enum of v from table, the one translation of
// the package's string enums; an unknown v is an InvalidArgument naming
// option, what v is, v, and what to use instead.
func wireValue[K ~string, V any](option, what string, table map[K]V, v K, use string) (V, error) {
	pb, ok := table[v]
	if !ok {
		var zero V
		return zero, invalidArgument("%s: unknown %s %q; use %s", option, what, string(v), use)
	}
	return pb, nil
}
