package xaitest

import (
	"bytes"
	"errors"
	"fmt"
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

// maxPDFText bounds the text taken from one PDF, so that a small
// compressed file cannot make the fake hold gigabytes.
const maxPDFText = 32 << 20

var errPDFTooMuchText = errors.New("the PDF holds more than 32 MiB of text")

// pdfText returns the text of a PDF: the strings its pages show, a page
// after another, with a line break for each text object or new line, and a
// space for each move within a line and each wide gap between glyphs. Fonts are decoded through their
// encodings or ToUnicode maps as the reader supports them.
func pdfText(data []byte) (text string, err error) {
	defer func() {
		// The reader panics on some malformed input: that is a failed
		// document, not a failed server.
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%v", r)
			if e, ok := r.(error); ok && errors.Is(e, errPDFTooMuchText) {
				err = e
			}
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 1; ; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			break
		}
		if i > 1 {
			b.WriteString("\n")
		}
		contents := p.V.Key("Contents")
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

// pageText appends the text that one content stream of a page shows.
func pageText(b *strings.Builder, p pdf.Page, strm pdf.Value) {
	var enc pdf.TextEncoding
	write := func(s string) {
		if b.Len()+len(s) > maxPDFText {
			panic(errPDFTooMuchText)
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
				enc = p.Font(args[0].Name()).Encoder()
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
