package xai

import (
	"encoding/json"
	"net"
	"testing"
	"time"
)

type schemaAddress struct {
	Street string `json:"street" desc:"Street and number, e.g. 1 Main St."`
	City   string `json:"city"`
}

type schemaBase struct {
	ID      string `json:"id"`
	Shadow  int    `json:"shadowed"`
	private int
}

type schemaPerson struct {
	schemaBase
	Name      string            `json:"name" desc:"Full name"`
	Age       int               `json:"age,omitempty"`
	Score     float64           `json:"score"`
	Active    bool              `json:"active"`
	Count     uint8             `json:"count"`
	Big       int64             `json:"big,string"`
	Tags      []string          `json:"tags"`
	Pair      [2]int            `json:"pair"`
	Address   schemaAddress     `json:"address"`
	Previous  *schemaAddress    `json:"previous,omitempty"`
	Labels    map[string]int    `json:"labels"`
	ByYear    map[int]string    `json:"by_year"`
	Born      time.Time         `json:"born"`
	Updated   *time.Time        `json:"updated,omitzero"`
	Avatar    []byte            `json:"avatar"`
	Raw       json.RawMessage   `json:"raw"`
	Any       any               `json:"any"`
	IP        net.IP            `json:"ip"`
	Unit      string            `json:"unit" enum:"C,F"`
	Level     int               `json:"level" enum:"1,2,3"`
	Ratio     float32           `json:"ratio" enum:"0.5,1"`
	Shadowed  string            `json:"shadowed"`
	Skipped   string            `json:"-"`
	NoTag     string            //
	Dash      string            `json:"-,"`
	Nested    []map[string]bool `json:"nested"`
	unexposed string
}

func TestJSONSchemaFor(t *testing.T) {
	t.Parallel()
	got, err := JSONSchemaFor[schemaPerson]()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{` +
		`"id":{"type":"string"},` +
		`"name":{"type":"string","description":"Full name"},` +
		`"age":{"type":"integer"},` +
		`"score":{"type":"number"},` +
		`"active":{"type":"boolean"},` +
		`"count":{"type":"integer","minimum":0},` +
		`"big":{"type":"string"},` +
		`"tags":{"type":"array","items":{"type":"string"}},` +
		`"pair":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2},` +
		`"address":{"type":"object","properties":{"street":{"type":"string","description":"Street and number, e.g. 1 Main St."},"city":{"type":"string"}},"required":["street","city"],"additionalProperties":false},` +
		`"previous":{"type":"object","properties":{"street":{"type":"string","description":"Street and number, e.g. 1 Main St."},"city":{"type":"string"}},"required":["street","city"],"additionalProperties":false},` +
		`"labels":{"type":"object","additionalProperties":{"type":"integer"}},` +
		`"by_year":{"type":"object","additionalProperties":{"type":"string"}},` +
		`"born":{"type":"string","format":"date-time"},` +
		`"updated":{"type":"string","format":"date-time"},` +
		`"avatar":{"type":"string","contentEncoding":"base64"},` +
		`"raw":{},` +
		`"any":{},` +
		`"ip":{"type":"string"},` +
		`"unit":{"type":"string","enum":["C","F"]},` +
		`"level":{"type":"integer","enum":[1,2,3]},` +
		`"ratio":{"type":"number","enum":[0.5,1]},` +
		`"shadowed":{"type":"string"},` +
		`"NoTag":{"type":"string"},` +
		`"-":{"type":"string"},` +
		`"nested":{"type":"array","items":{"type":"object","additionalProperties":{"type":"boolean"}}}` +
		`},"required":["id","name","score","active","count","big","tags","pair","address","labels","by_year","born","avatar","raw","any","ip","unit","level","ratio","shadowed","NoTag","-","nested"],` +
		`"additionalProperties":false}`
	if got != want {
		t.Errorf("JSONSchemaFor[schemaPerson]() =\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("schema is not valid JSON")
	}

	// A pointer root gives the same schema.
	gotPtr, err := JSONSchemaFor[*schemaPerson]()
	if err != nil || gotPtr != got {
		t.Errorf("JSONSchemaFor[*schemaPerson]() differs: %v", err)
	}
}

func TestJSONSchemaForEmptyStruct(t *testing.T) {
	t.Parallel()
	got, err := JSONSchemaFor[struct{}]()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"object","properties":{},"additionalProperties":false}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

type schemaEmbeddedPtr struct {
	*schemaAddress
	Zip string `json:"zip"`
}

type schemaNamedEmbed struct {
	schemaAddress `json:"addr"`
}

func TestJSONSchemaForEmbedding(t *testing.T) {
	t.Parallel()
	got, err := JSONSchemaFor[schemaEmbeddedPtr]()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"street":{"type":"string","description":"Street and number, e.g. 1 Main St."},"city":{"type":"string"},"zip":{"type":"string"}},"required":["street","city","zip"],"additionalProperties":false}`
	if got != want {
		t.Errorf("embedded pointer:\n%s\nwant\n%s", got, want)
	}
	got, err = JSONSchemaFor[schemaNamedEmbed]()
	if err != nil {
		t.Fatal(err)
	}
	want = `{"type":"object","properties":{"addr":{"type":"object","properties":{"street":{"type":"string","description":"Street and number, e.g. 1 Main St."},"city":{"type":"string"}},"required":["street","city"],"additionalProperties":false}},"required":["addr"],"additionalProperties":false}`
	if got != want {
		t.Errorf("named embedded:\n%s\nwant\n%s", got, want)
	}
}

type schemaNode struct {
	Value    int           `json:"value"`
	Children []*schemaNode `json:"children"`
}

type schemaSelfEmbed struct {
	*schemaSelfEmbed
	X int
}

// Embedded fields at one depth sharing a name cancel out, unless exactly
// one is tagged; a shallower field always wins.
type schemaConflictA struct {
	Dup  int `json:"dup"`
	Both int
}
type schemaConflictB struct {
	Dup  int
	Both int
}
type schemaConflicts struct {
	schemaConflictA
	schemaConflictB
	*schemaSelfEmbed
}

func TestJSONSchemaForConflicts(t *testing.T) {
	t.Parallel()
	got, err := JSONSchemaFor[schemaConflicts]()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"dup":{"type":"integer"},"Dup":{"type":"integer"},"X":{"type":"integer"}},"required":["dup","Dup","X"],"additionalProperties":false}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	b, _ := json.Marshal(schemaConflicts{schemaSelfEmbed: &schemaSelfEmbed{}})
	if string(b) != `{"dup":0,"Dup":0,"X":0}` {
		t.Errorf("encoding/json gives %s; the test's expectation is stale", b)
	}
}

type schemaCustom struct{}

func (schemaCustom) MarshalJSON() ([]byte, error) { return []byte(`"x"`), nil }

type schemaStringer interface{ String() string }

func TestJSONSchemaForErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func() (string, error)
		errs []string
	}{
		{"int root", JSONSchemaFor[int], []string{"type int is not a struct", "wrap the value in a struct"}},
		{"slice root", JSONSchemaFor[[]schemaAddress], []string{"is not a struct"}},
		{"map root", JSONSchemaFor[map[string]int], []string{"is not a struct"}},
		{"time root", JSONSchemaFor[time.Time], []string{"time.Time is not a struct"}},
		{"chan field", JSONSchemaFor[struct{ C chan int }], []string{".C has type chan int", "no JSON representation", `json:"-"`}},
		{"func field", JSONSchemaFor[struct {
			F func() `json:"f"`
		}], []string{".F has type func()"}},
		{"complex field", JSONSchemaFor[struct{ Z complex128 }], []string{"complex128"}},
		{"nested unsupported", JSONSchemaFor[struct{ A []struct{ C chan bool } }], []string{".A[].C has type chan bool"}},
		{"map with bool keys", JSONSchemaFor[struct{ M map[bool]int }], []string{"map with bool keys", "string keys"}},
		{"non-empty interface", JSONSchemaFor[struct{ S schemaStringer }], []string{"interface type", "concrete type"}},
		{"custom marshaler", JSONSchemaFor[struct{ C schemaCustom }], []string{"json.Marshaler", "json.RawMessage"}},
		{"recursive", JSONSchemaFor[schemaNode], []string{"refers back to its own type", "recursive types are not supported"}},
		{"enum on bool", JSONSchemaFor[struct {
			B bool `enum:"true"`
		}], []string{"enums are supported only on string, integer and number"}},
		{"bad integer enum", JSONSchemaFor[struct {
			N int `enum:"1,two"`
		}], []string{`enum value "two", which is not an integer`}},
		{"bad number enum", JSONSchemaFor[struct {
			N float64 `enum:"1,NaN"`
		}], []string{`"NaN", which is not a number`}},
		{"empty enum", JSONSchemaFor[struct {
			S string `enum:""`
		}], []string{"empty enum tag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.fn()
			if s != "" {
				t.Errorf("schema %q returned with an error", s)
			}
			wantInvalid(t, err, tt.errs...)
		})
	}
}

// The schema must describe what encoding/json produces: a value marshalled
// from the type has exactly the required properties.
func TestJSONSchemaForMatchesEncoding(t *testing.T) {
	t.Parallel()
	s, err := JSONSchemaFor[schemaPerson]()
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal([]byte(s), &schema); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(schemaPerson{Raw: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	var encoded map[string]json.RawMessage
	if err := json.Unmarshal(b, &encoded); err != nil {
		t.Fatal(err)
	}
	for _, r := range schema.Required {
		if _, ok := encoded[r]; !ok {
			t.Errorf("required property %q is not in the encoding %s", r, b)
		}
	}
	for k := range encoded {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("encoded key %q is not a schema property", k)
		}
	}
}
