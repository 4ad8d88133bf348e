// Package wirecontract checks compiled protobuf descriptors against the xAI
// API wire contract, a plain-text list of every file, service, method,
// message, field and enum value that real servers expect.
//
// Both sides are reduced to the same set of facts, each keyed by the element
// it describes ("field xai_api.Message.5", "rpc /xai_api.Chat/GetCompletion"),
// so a difference names exactly what drifted.
package wirecontract

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Facts maps an element key to what the contract says of it.
type Facts map[string]string

var (
	fileLine     = regexp.MustCompile(`^# file (\S+)\s+package (\S+)\s+imports: (.*)$`)
	serviceLine  = regexp.MustCompile(`^service (\S+)$`)
	rpcLine      = regexp.MustCompile(`^rpc (/\S+)\s+\((.+)\) -> \((.+)\)$`)
	typeLine     = regexp.MustCompile(`^(message|enum) (\S+)$`)
	reservedLine = regexp.MustCompile(`^reserved numbers: (.*)$`)
	numberedLine = regexp.MustCompile(`^(\d+)\s+(\S+)\s*(.*)$`)
)

// Parse reads a contract in the format of shared/wire/README.md.
func Parse(r io.Reader) (Facts, error) {
	facts := Facts{}
	type scope struct {
		indent int
		kind   string // "service", "message" or "enum"
		name   string
	}
	var (
		file  string
		stack []scope
		order = map[string][]string{}
	)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		text := strings.TrimSpace(line)
		if text == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if m := fileLine.FindStringSubmatch(line); m != nil {
			file, stack = m[1], nil
			imports := "-"
			if strings.TrimSpace(m[3]) != "-" {
				imports = sortedList(strings.Split(m[3], ","))
			}
			facts["file "+file] = "package " + m[2] + " imports " + imports
			continue
		}
		if file == "" {
			return nil, fmt.Errorf("line %d: %q comes before any file header", n, line)
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		switch {
		case serviceLine.MatchString(text):
			name := serviceLine.FindStringSubmatch(text)[1]
			facts["service "+name] = "in " + file
			stack = append(stack, scope{indent, "service", name})
		case rpcLine.MatchString(text):
			m := rpcLine.FindStringSubmatch(text)
			if len(stack) == 0 || stack[len(stack)-1].kind != "service" {
				return nil, fmt.Errorf("line %d: rpc outside a service", n)
			}
			facts["rpc "+m[1]] = m[2] + " -> " + m[3]
		case typeLine.MatchString(text):
			m := typeLine.FindStringSubmatch(text)
			facts[m[1]+" "+m[2]] = "in " + file
			stack = append(stack, scope{indent, m[1], m[2]})
		case reservedLine.MatchString(text):
			if len(stack) == 0 {
				return nil, fmt.Errorf("line %d: reserved numbers outside a message", n)
			}
			facts["reserved "+stack[len(stack)-1].name] = sortedList(strings.Split(reservedLine.FindStringSubmatch(text)[1], ","))
		case numberedLine.MatchString(text):
			m := numberedLine.FindStringSubmatch(text)
			if len(stack) == 0 || stack[len(stack)-1].kind == "service" {
				return nil, fmt.Errorf("line %d: numbered row outside a message or enum", n)
			}
			parent := stack[len(stack)-1]
			if parent.kind == "enum" {
				facts["value "+parent.name+"."+m[1]] = strings.TrimSpace(m[2] + " " + m[3])
			} else {
				facts["field "+parent.name+"."+m[1]] = strings.TrimSpace(m[2] + " " + m[3])
			}
			order[parent.name] = append(order[parent.name], m[1])
		default:
			return nil, fmt.Errorf("line %d: cannot read %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for name, nums := range order {
		facts["order "+name] = strings.Join(nums, ",")
	}
	return facts, nil
}

// Describe reduces compiled file descriptors to facts in the contract's terms.
func Describe(files []protoreflect.FileDescriptor) Facts {
	facts := Facts{}
	for _, fd := range files {
		path := fd.Path()
		var imports []string
		for i := 0; i < fd.Imports().Len(); i++ {
			imports = append(imports, fd.Imports().Get(i).Path())
		}
		list := "-"
		if len(imports) > 0 {
			list = sortedList(imports)
		}
		facts["file "+path] = "package " + string(fd.Package()) + " imports " + list
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			facts["service "+string(sd.FullName())] = "in " + path
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				key := fmt.Sprintf("rpc /%s/%s", sd.FullName(), md.Name())
				facts[key] = streamed(md.IsStreamingClient(), md.Input()) + " -> " + streamed(md.IsStreamingServer(), md.Output())
			}
		}
		describeEnums(facts, path, fd.Enums())
		describeMessages(facts, path, fd.Messages())
	}
	return facts
}

func describeMessages(facts Facts, path string, msgs protoreflect.MessageDescriptors) {
	for i := 0; i < msgs.Len(); i++ {
		md := msgs.Get(i)
		if md.IsMapEntry() {
			continue
		}
		name := string(md.FullName())
		facts["message "+name] = "in " + path
		var nums []string
		for j := 0; j < md.Fields().Len(); j++ {
			f := md.Fields().Get(j)
			nums = append(nums, fmt.Sprint(f.Number()))
			facts[fmt.Sprintf("field %s.%d", name, f.Number())] = describeField(f)
		}
		if len(nums) > 0 {
			facts["order "+name] = strings.Join(nums, ",")
		}
		var reserved []string
		for j := 0; j < md.ReservedRanges().Len(); j++ {
			r := md.ReservedRanges().Get(j)
			for n := r[0]; n < r[1]; n++ {
				reserved = append(reserved, fmt.Sprint(n))
			}
		}
		if len(reserved) > 0 {
			facts["reserved "+name] = sortedList(reserved)
		}
		describeEnums(facts, path, md.Enums())
		describeMessages(facts, path, md.Messages())
	}
}

func describeEnums(facts Facts, path string, enums protoreflect.EnumDescriptors) {
	for i := 0; i < enums.Len(); i++ {
		ed := enums.Get(i)
		name := string(ed.FullName())
		facts["enum "+name] = "in " + path
		var nums []string
		for j := 0; j < ed.Values().Len(); j++ {
			v := ed.Values().Get(j)
			nums = append(nums, fmt.Sprint(v.Number()))
			text := string(v.Name())
			if opts, ok := v.Options().(*descriptorpb.EnumValueOptions); ok && opts.GetDeprecated() {
				text += "  [deprecated]"
			}
			facts[fmt.Sprintf("value %s.%d", name, v.Number())] = normalize(text)
		}
		facts["order "+name] = strings.Join(nums, ",")
	}
}

func describeField(f protoreflect.FieldDescriptor) string {
	var typ string
	switch {
	case f.IsMap():
		typ = fmt.Sprintf("map<%s, %s>", typeName(f.MapKey()), typeName(f.MapValue()))
	case f.Cardinality() == protoreflect.Repeated:
		typ = "repeated " + typeName(f)
	case f.HasOptionalKeyword():
		typ = "optional " + typeName(f)
	case f.ContainingOneof() != nil:
		typ = fmt.Sprintf("oneof %s: %s", f.ContainingOneof().Name(), typeName(f))
	default:
		typ = typeName(f)
	}
	text := string(f.Name()) + " " + typ
	if opts, ok := f.Options().(*descriptorpb.FieldOptions); ok && opts.GetDeprecated() {
		text += " [deprecated]"
	}
	return normalize(text)
}

func typeName(f protoreflect.FieldDescriptor) string {
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(f.Message().FullName())
	case protoreflect.EnumKind:
		return string(f.Enum().FullName())
	default:
		return f.Kind().String()
	}
}

func streamed(stream bool, md protoreflect.MessageDescriptor) string {
	if stream {
		return "stream " + string(md.FullName())
	}
	return string(md.FullName())
}

// Diff lists every difference between want and got, one line per element,
// sorted by key. An empty result means the two agree.
func Diff(want, got Facts) []string {
	var out []string
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: missing (contract: %s)", key, normalize(w)))
		case normalize(g) != normalize(w):
			out = append(out, fmt.Sprintf("%s: contract says %q, schema has %q", key, normalize(w), normalize(g)))
		}
	}
	for key, g := range got {
		if _, ok := want[key]; !ok {
			out = append(out, fmt.Sprintf("%s: not in the contract (schema: %s)", key, normalize(g)))
		}
	}
	sort.Strings(out)
	return out
}

func sortedList(items []string) string {
	clean := make([]string, 0, len(items))
	for _, s := range items {
		clean = append(clean, strings.TrimSpace(s))
	}
	sort.Strings(clean)
	return strings.Join(clean, ", ")
}

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }
