package xaiotel_test

// Tests of the environment switches the official Python SDK reads
// (src/xai_sdk/telemetry/config.py): XAI_SDK_DISABLE_TRACING and
// XAI_SDK_DISABLE_SENSITIVE_TELEMETRY_ATTRIBUTES, each on when "1" or
// "true". t.Setenv keeps these tests from running in parallel.

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
)

func TestEnvDisableTracing(t *testing.T) {
	for value, off := range map[string]bool{"1": true, "true": true, "TRUE": true, "0": false, "false": false, "yes": false, "": false} {
		t.Run("value="+value, func(t *testing.T) {
			t.Setenv(xaiotel.EnvDisableTracing, value)
			e := newEnv(t)
			if _, err := e.chat().Sample(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := 1
			if off {
				want = 0
			}
			e.spans(t, want)
		})
	}
}

func TestEnvDisableSensitiveAttributes(t *testing.T) {
	run := func(t *testing.T) (has map[string]bool, leaks []string) {
		e, reader := newMeteredEnv(t, xaiotel.WithContent(true))
		chat := e.chat(xai.WithConversationID("conv-1"), xai.WithTemperature(0.5), xai.WithReasoningEffort(xai.EffortLow))
		resp, err := chat.Sample(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s := e.spans(t, 1)[0]
		if s.Name != "chat grok-4" {
			t.Errorf("name %q", s.Name)
		}
		a := attrs(s)
		// What identifies the call stays in both modes.
		wantAttr(t, a, "gen_ai.operation.name", "chat")
		wantAttr(t, a, "gen_ai.provider.name", "x_ai")
		wantAttr(t, a, "gen_ai.request.model", "grok-4")
		wantAttr(t, a, "rpc.method", "GetCompletion")
		if _, ok := a["server.address"]; !ok {
			t.Error("server.address is missing")
		}
		// Metrics are not spans: they are recorded in both modes.
		points, _ := metrics(t, reader)
		if len(points["gen_ai.client.token.usage"]) != 2 || len(points["gen_ai.client.operation.duration"]) != 1 {
			t.Errorf("metrics %v", points)
		}
		has = map[string]bool{}
		for k := range a {
			has[string(k)] = true
		}
		for _, text := range []string{userText, systemText, resp.Content(), resp.ID(), "conv-1"} {
			if contains(tracetest.SpanStubs{s}, text) {
				leaks = append(leaks, text)
			}
		}
		return has, leaks
	}
	sensitive := []string{
		"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.conversation.id", "gen_ai.request.temperature",
		"xai.request.reasoning_effort", "gen_ai.response.id", "gen_ai.response.model", "gen_ai.usage.input_tokens",
		"gen_ai.response.finish_reasons",
	}
	t.Run("unset", func(t *testing.T) {
		t.Setenv(xaiotel.EnvDisableSensitiveAttributes, "")
		has, _ := run(t)
		for _, k := range sensitive {
			if !has[k] {
				t.Errorf("%s is missing with the switch off", k)
			}
		}
	})
	for _, value := range []string{"1", "True"} {
		t.Run(value, func(t *testing.T) {
			t.Setenv(xaiotel.EnvDisableSensitiveAttributes, value)
			has, leaks := run(t)
			for _, k := range sensitive {
				if has[k] {
					t.Errorf("%s is recorded with %s=%s", k, xaiotel.EnvDisableSensitiveAttributes, value)
				}
			}
			if len(leaks) > 0 {
				t.Errorf("the span holds %q", leaks)
			}
		})
	}
}
