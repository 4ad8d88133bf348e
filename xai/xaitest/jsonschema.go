package xaitest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The fake answers structured-output requests and forced tool calls with
// placeholder JSON built from the JSON Schema the caller gave: an object
// holding its required properties (all properties when the schema lists no
// "required"), each a value of the right type. It follows local $ref,
// const, enum, default, anyOf/oneOf/allOf (first branch), minItems,
// minLength and numeric minimum/maximum. It is a generator of plausible
// values, not a validator.
//
// A placeholder is bounded in size, not only in depth: a recursive schema
// such as {"type":"array","minItems":4,"items":{"$ref":"#"}} would otherwise
// give 4^16 values. The filler spends a budget of maxPlaceholderBytes
// (roughly the JSON size: each value and key costs its length, at least 8
// bytes) and, once it is spent, truncates: arrays stop short of minItems,
// objects leave out their remaining properties, and a value that does not
// fit becomes null. The result is always valid JSON, of at most a few times
// maxPlaceholderBytes once escaped, but may not satisfy the schema.

// maxSchemaDepth bounds recursion through nested or self-referencing
// schemas.
const maxSchemaDepth = 16

// maxPlaceholderBytes is the size budget of one placeholder (see above).
const maxPlaceholderBytes = 64 << 10

// minValueCost is what any value costs from the budget, for its
// punctuation and for values such as null, numbers and booleans.
const minValueCost = 8

// parseSchema decodes a JSON Schema given as a string; empty means "{}".
func parseSchema(schema string) (map[string]any, error) {
	if strings.TrimSpace(schema) == "" {
		return map[string]any{}, nil
	}
	var v any
	if err := json.Unmarshal([]byte(schema), &v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

// placeholderJSON renders a placeholder value for schema. label is added to
// free-form strings so that alternative outputs differ.
func placeholderJSON(schema map[string]any, label string) string {
	g := schemaFiller{root: schema, label: label, budget: maxPlaceholderBytes}
	var v any
	if len(schema) == 0 {
		v = map[string]any{} // no parameters: an empty argument object
	} else {
		v = g.fill(schema, 0)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

type schemaFiller struct {
	root   map[string]any
	label  string
	budget int // bytes left; see maxPlaceholderBytes
}

// spend takes n bytes from the budget and reports whether they were left.
// Once it fails the budget is spent, so the rest of the output is cut too.
func (g *schemaFiller) spend(n int) bool {
	if n > g.budget {
		g.budget = 0
		return false
	}
	g.budget -= n
	return true
}

// literal returns v, a value copied from the schema (const, enum, default),
// if its JSON fits in the budget, and nil otherwise.
func (g *schemaFiller) literal(v any) any {
	b, err := json.Marshal(v)
	if err != nil || !g.spend(len(b)) {
		return nil
	}
	return v
}

func (g *schemaFiller) fill(node map[string]any, depth int) any {
	if depth > maxSchemaDepth || !g.spend(minValueCost) {
		return nil
	}
	if ref, ok := node["$ref"].(string); ok {
		if target := g.resolve(ref); target != nil {
			return g.fill(target, depth+1)
		}
		return nil
	}
	if c, ok := node["const"]; ok {
		return g.literal(c)
	}
	if e, ok := node["enum"].([]any); ok && len(e) > 0 {
		return g.literal(e[0])
	}
	if d, ok := node["default"]; ok {
		return g.literal(d)
	}
	for _, key := range []string{"anyOf", "oneOf", "allOf"} {
		if branches, ok := node[key].([]any); ok {
			for _, b := range branches {
				if bm, ok := b.(map[string]any); ok && schemaType(bm) != "null" {
					return g.fill(bm, depth+1)
				}
			}
		}
	}
	switch schemaType(node) {
	case "object":
		return g.object(node, depth)
	case "array":
		return g.array(node, depth)
	case "string":
		return g.str(node)
	case "integer":
		return number(node, 0, true)
	case "number":
		return number(node, 0, false)
	case "boolean":
		return false
	case "null":
		return nil
	}
	return g.text("example" + g.label)
}

// text returns s if it fits in the budget, and nil otherwise.
func (g *schemaFiller) text(s string) any {
	if !g.spend(len(s)) {
		return nil
	}
	return s
}

// schemaType returns the node's type, guessing "object" from properties.
func schemaType(node map[string]any) string {
	switch t := node["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
		return "null"
	}
	if _, ok := node["properties"]; ok {
		return "object"
	}
	return ""
}

// resolve follows a local reference such as "#/$defs/Item".
func (g *schemaFiller) resolve(ref string) map[string]any {
	path, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	var cur any = g.root
	for _, part := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	m, _ := cur.(map[string]any)
	return m
}

func (g *schemaFiller) object(node map[string]any, depth int) any {
	props, _ := node["properties"].(map[string]any)
	out := map[string]any{}
	names := make([]string, 0, len(props))
	if req, ok := node["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				names = append(names, s)
			}
		}
	} else {
		for name := range props {
			names = append(names, name)
		}
		slices.Sort(names) // the same properties are kept when truncating
	}
	for _, name := range names {
		if !g.spend(len(name) + minValueCost) {
			break
		}
		sub, _ := props[name].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
		}
		out[name] = g.fill(sub, depth+1)
	}
	return out
}

func (g *schemaFiller) array(node map[string]any, depth int) any {
	items, _ := node["items"].(map[string]any)
	n := 1
	if v, ok := node["minItems"].(float64); ok && v > 1 {
		n = int(min(v, 64))
	}
	if v, ok := node["maxItems"].(float64); ok && float64(n) > v {
		n = int(max(v, 0))
	}
	out := make([]any, 0, n)
	for range n {
		if g.budget < minValueCost {
			break // truncated: fewer than minItems
		}
		if items == nil {
			out = append(out, g.text("example"+g.label))
			continue
		}
		out = append(out, g.fill(items, depth+1))
	}
	return out
}

func (g *schemaFiller) str(node map[string]any) any {
	format, _ := node["format"].(string)
	var s string
	switch format {
	case "date-time":
		s = "2025-01-01T00:00:00Z"
	case "date":
		s = "2025-01-01"
	case "time":
		s = "00:00:00Z"
	case "email":
		s = "user@example.com"
	case "uri", "url":
		s = "https://example.com/"
	case "uuid":
		s = "00000000-0000-4000-8000-000000000000"
	default:
		s = "example" + g.label
	}
	if v, ok := node["minLength"].(float64); ok && float64(len(s)) < v {
		s += strings.Repeat("x", int(min(v, 4096))-len(s))
	}
	if v, ok := node["maxLength"].(float64); ok && v >= 0 && float64(len(s)) > v {
		s = s[:int(v)]
	}
	return g.text(s)
}

// number picks a value within the node's bounds, near want.
func number(node map[string]any, want float64, integer bool) float64 {
	step := 1e-3
	if integer {
		step = 1
	}
	if v, ok := node["minimum"].(float64); ok && want < v {
		want = v
	}
	if v, ok := node["exclusiveMinimum"].(float64); ok && want <= v {
		want = v + step
	}
	if v, ok := node["maximum"].(float64); ok && want > v {
		want = v
	}
	if v, ok := node["exclusiveMaximum"].(float64); ok && want >= v {
		want = v - step
	}
	if integer {
		want = math.Ceil(want)
	}
	return want
}
