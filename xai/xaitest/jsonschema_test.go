package xaitest_test

import (
	"encoding/json"
	"strings"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestResponseFormat(t *testing.T) {
	_, chat := startClient(t, xaiv1.NewChatClient)

	req := chatReq("grok-3", user("as json"))
	req.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT}
	resp := complete(t, chat, req)
	var obj map[string]any
	if err := json.Unmarshal([]byte(content(resp, 0)), &obj); err != nil || !strings.Contains(obj["reply"].(string), "as json") {
		t.Fatalf("JSON_OBJECT content %q: %v", content(resp, 0), err)
	}

	schema := `{
	  "type": "object",
	  "properties": {
	    "name": {"type": "string"},
	    "age": {"type": "integer", "minimum": 18},
	    "score": {"type": "number"},
	    "active": {"type": "boolean"},
	    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
	    "kind": {"enum": ["cat", "dog"]},
	    "address": {"$ref": "#/$defs/address"},
	    "nickname": {"type": "string"}
	  },
	  "required": ["name", "age", "score", "active", "tags", "kind", "address"],
	  "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
	}`
	req.ResponseFormat = &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA, Schema: &schema}
	req.N = ptr[int32](2)
	resp = complete(t, chat, req)
	var got struct {
		Name     *string        `json:"name"`
		Age      *int           `json:"age"`
		Score    *float64       `json:"score"`
		Active   *bool          `json:"active"`
		Tags     []string       `json:"tags"`
		Kind     string         `json:"kind"`
		Address  map[string]any `json:"address"`
		Nickname *string        `json:"nickname"`
	}
	dec := json.NewDecoder(strings.NewReader(content(resp, 0)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("JSON_SCHEMA content %q: %v", content(resp, 0), err)
	}
	if got.Name == nil || got.Age == nil || *got.Age < 18 || got.Score == nil || got.Active == nil || len(got.Tags) != 2 ||
		got.Kind != "cat" || got.Address["city"] == nil || got.Nickname != nil {
		t.Fatalf("JSON_SCHEMA content %q", content(resp, 0))
	}
	if content(resp, 0) == content(resp, 1) || !json.Valid([]byte(content(resp, 1))) {
		t.Fatalf("outputs: %q / %q", content(resp, 0), content(resp, 1))
	}
}
