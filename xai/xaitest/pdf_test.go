package xaitest_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// makePDF writes a minimal valid PDF by hand: one page per content stream,
// Helvetica with WinAnsiEncoding, and a cross-reference table with the
// real byte offsets. With deflate the streams are FlateDecode-compressed,
// as most PDF writers store them.
func makePDF(t testing.TB, deflate bool, pages ...string) []byte {
	t.Helper()
	var objs []string
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	for i, content := range pages {
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "+
			"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		data, filter := []byte(content), ""
		if deflate {
			var b bytes.Buffer
			w := zlib.NewWriter(&b)
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			data, filter = b.Bytes(), " /Filter /FlateDecode"
		}
		objs = append(objs, fmt.Sprintf("<< /Length %d%s >>\nstream\n%s\nendstream", len(data), filter, data))
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}

// Issue 16, finding 4: PDF documents failed indexing. The xAI docs list PDF
// among the formats collections index ("Upload documents in various formats
// (HTML, PDF, text, etc.)"); the fake now indexes their text.
func TestPDFDocumentsIndexed(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "reports"}).GetCollectionId()
	add := func(name string, data []byte) *collectionsv1.DocumentMetadata {
		t.Helper()
		f, err := upload(t, xaiv1.NewFilesClient(srv.Conn()), name, data, 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: f.GetId()}); err != nil {
			t.Fatal(err)
		}
		doc, err := cc.GetDocumentMetadata(ctx(t), &collectionsv1.GetDocumentMetadataRequest{CollectionId: col, FileId: f.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}

	plain := makePDF(t, false,
		"BT /F1 12 Tf 72 720 Td (Quarterly revenue grew) Tj 0 -14 Td [(by)-300(seven)-300(percent)] TJ ET",
		"BT /F1 12 Tf 72 720 Td (Costs fell in the second half) Tj ET")
	doc := add("q3.pdf", plain)
	if doc.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED ||
		doc.GetFileMetadata().GetContentType() != "application/pdf" {
		t.Fatalf("PDF document: %v", doc)
	}
	// A compressed PDF with no .pdf name is recognised by its header.
	doc = add("no-extension", makePDF(t, true, "BT /F1 10 Tf 50 700 Td (Compressed zebra text) Tj ET"))
	if doc.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED {
		t.Fatalf("compressed PDF: %v", doc)
	}

	// A page that only draws (a scan has no text layer) gives no chunks.
	doc = add("scan.pdf", makePDF(t, false, "0 0 1 rg 72 72 200 200 re f"))
	if doc.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED || doc.GetChunkCount() != 0 {
		t.Fatalf("PDF without text: %v", doc)
	}

	for query, want := range map[string][]string{
		"seven percent": {"Quarterly revenue grew", "by seven percent"}, // words split by TJ gaps
		"costs":         {"Costs fell in the second half"},              // the second page
		"zebra":         {"Compressed zebra text"},
	} {
		resp, err := search(t, srv, &xaiv1.SearchRequest{Query: query, Source: source(col)})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetMatches()) != 1 {
			t.Fatalf("%q: %d matches, want 1: %v", query, len(resp.GetMatches()), resp)
		}
		for _, w := range want {
			if got := strings.Join(strings.Fields(resp.GetMatches()[0].GetChunkContent()), " "); !strings.Contains(got, w) {
				t.Errorf("%q: chunk %q lacks %q", query, got, w)
			}
		}
	}

	// A file that claims to be a PDF but is not one, or one built to make
	// the reader loop or fill memory, fails saying why, instead of being
	// indexed as text, hanging, or bringing the server down.
	cyclic := bytes.Replace(makePDF(t, false, "BT (x) Tj ET"), []byte("/Kids [4 0 R]"), []byte("/Kids [2 0 R]"), 1)
	bomb := makePDF(t, true, "BT (x) Tj ET"+strings.Repeat(" ", 16<<20))
	for name, tc := range map[string]struct {
		data []byte
		why  string
	}{
		"broken.pdf": {[]byte("%PDF-1.4\nthis is not a PDF body"), "PDF"},
		"cut.pdf":    {plain[:len(plain)/2], "PDF"},
		"cyclic.pdf": {cyclic, "cyclic"},
		"bomb.pdf":   {bomb, "16 MiB"},
	} {
		doc := add(name, tc.data)
		if doc.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED || !strings.Contains(doc.GetErrorMessage(), tc.why) {
			t.Errorf("%s: %v", name, doc)
		}
	}
}
