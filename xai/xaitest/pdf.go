package xaitest

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	// rsc.io/pdf reads PDF files and interprets their content streams. It
	// is the smallest pure-Go reader that gets text out (six files, the
	// standard library only) and has a tagged release with no go.mod, so
	// it leaves the module's go directive at 1.24. Its maintained fork
	// github.com/ledongthuc/pdf needs Go 1.24.1 in every version the module
	// proxy serves, and github.com/pdfcpu/pdfcpu is a whole PDF toolkit
	// with a larger dependency tree. The fake alone imports it; package xai
	// never links it (TestXaiDoesNotLinkOtelOrFakeDependencies in xai/xaiotel).
	"rsc.io/pdf"
)

// Bounds on what one PDF can make the fake do, so that a small file
// cannot make it hold gigabytes or walk a cyclic page tree forever.
const (
	maxPDFText   = 32 << 20 // bytes of text taken from one PDF
	maxPDFStream = 16 << 20 // decoded bytes of one content or ToUnicode stream
	maxPDFNodes  = 100_000  // nodes of the page tree visited
	maxPDFDepth  = 64       // levels of the page tree
)

// pdfLimitError is what the bounds above stop with.
type pdfLimitError string

func (e pdfLimitError) Error() string { return string(e) }

// pdfPage is a page and the resources it inherits.
type pdfPage struct {
	v, resources pdf.Value
}

// pdfText returns the text of a PDF: the strings its pages show, a page
// after another, with a line break for each text object or new line, and a
// space for each move within a line and each wide gap between glyphs.
// Fonts are decoded through their encodings or ToUnicode maps as the
// reader supports them.
func pdfText(data []byte) (text string, err error) {
	defer func() {
		// The reader panics on some malformed input: that is a failed
		// document, not a failed server.
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	// The page tree is walked here, with bounds, rather than by the
	// reader's Page, which follows a cyclic tree forever.
	var pages []pdfPage
	nodes := 0
	var walk func(node, resources pdf.Value, depth int)
	walk = func(node, resources pdf.Value, depth int) {
		if nodes++; nodes > maxPDFNodes || depth > maxPDFDepth {
			panic(pdfLimitError("the page tree is too large, too deep or cyclic"))
		}
		if res := node.Key("Resources"); !res.IsNull() {
			resources = res
		}
		switch node.Key("Type").Name() {
		case "Pages":
			kids := node.Key("Kids")
			for i := range kids.Len() {
				walk(kids.Index(i), resources, depth+1)
			}
		case "Page":
			pages = append(pages, pdfPage{node, resources})
		}
	}
	walk(r.Trailer().Key("Root").Key("Pages"), pdf.Value{}, 0)
	var b strings.Builder
	for i, p := range pages {
		if i > 0 {
			b.WriteString("\n")
		}
		contents := p.v.Key("Contents")
		if contents.Kind() == pdf.Array {
			for j := range contents.Len() {
				pageText(&b, p, contents.Index(j))
			}
		} else {
			pageText(&b, p, contents)
		}
	}
	return b.String(), nil
}

// checkStreamSize stops on a stream that decodes to more than
// maxPDFStream bytes, before the reader interprets it.
func checkStreamSize(strm pdf.Value) {
	if strm.Kind() != pdf.Stream {
		return
	}
	rd := strm.Reader()
	defer rd.Close()
	if n, _ := io.Copy(io.Discard, io.LimitReader(rd, maxPDFStream+1)); n > maxPDFStream {
		panic(pdfLimitError("a stream of the PDF decodes to more than 16 MiB"))
	}
}

// pageText appends the text that one content stream of a page shows.
func pageText(b *strings.Builder, p pdfPage, strm pdf.Value) {
	checkStreamSize(strm)
	var enc pdf.TextEncoding
	write := func(s string) {
		if b.Len()+len(s) > maxPDFText {
			panic(pdfLimitError("the PDF holds more than 32 MiB of text"))
		}
		b.WriteString(s)
	}
	show := func(v pdf.Value) {
		if enc == nil {
			write(v.RawString())
			return
		}
		write(enc.Decode(v.RawString()))
	}
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		last := func() pdf.Value {
			if len(args) == 0 {
				return pdf.Value{}
			}
			return args[len(args)-1]
		}
		switch op {
		case "BT", "T*":
			write("\n")
		case "Td", "TD", "Tm":
			write(" ")
		case "Tf":
			if len(args) == 2 {
				font := p.resources.Key("Font").Key(args[0].Name())
				checkStreamSize(font.Key("ToUnicode"))
				enc = pdf.Font{V: font}.Encoder()
			}
		case "'", "\"":
			write("\n")
			show(last())
		case "Tj":
			show(last())
		case "TJ":
			arr := last()
			for i := range arr.Len() {
				switch x := arr.Index(i); x.Kind() {
				case pdf.String:
					show(x)
				case pdf.Integer, pdf.Real:
					// A move left of more than a quarter of an em
					// separates words.
					if x.Float64() < -250 {
						write(" ")
					}
				}
			}
		}
	})
}
