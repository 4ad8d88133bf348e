package xai

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// MaxImageBytes is the largest image the API accepts: 20 MiB of decoded
// PNG or JPEG data per image. Images are checked against it before anything
// is sent. Note that a base64 data URL is a third larger than the image and
// that a whole request is itself limited to 20 MiB, so images close to this
// limit are better passed by https URL or uploaded file ID.
const MaxImageBytes = 20 << 20

// Detail is how closely the model examines an input image. It trades
// precision for prompt image tokens. The zero value is [DetailAuto].
type Detail int

const (
	// DetailAuto lets the server choose the level of detail.
	DetailAuto Detail = iota
	// DetailLow examines a reduced-resolution version: faster, fewer tokens.
	DetailLow
	// DetailHigh examines the image at full resolution: finer detail, more
	// tokens.
	DetailHigh
)

// String returns "auto", "low" or "high", or "Detail(n)" for an unknown
// value.
func (d Detail) String() string {
	switch d {
	case DetailAuto:
		return "auto"
	case DetailLow:
		return "low"
	case DetailHigh:
		return "high"
	}
	return fmt.Sprintf("Detail(%d)", int(d))
}

// proto maps d to its wire value, rejecting values outside the constants.
func (d Detail) proto() (xaiv1.ImageDetail, error) {
	switch d {
	case DetailAuto:
		return xaiv1.ImageDetail_DETAIL_AUTO, nil
	case DetailLow:
		return xaiv1.ImageDetail_DETAIL_LOW, nil
	case DetailHigh:
		return xaiv1.ImageDetail_DETAIL_HIGH, nil
	}
	return 0, invalidArgument("unknown image detail %s: use xai.DetailAuto, xai.DetailLow or xai.DetailHigh", d)
}

// Image MIME types the API accepts.
const (
	mimePNG  = "image/png"
	mimeJPEG = "image/jpeg"
)

var (
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// sniffImage returns the MIME type of data from its magic number, or "" if
// it is neither PNG nor JPEG. Only the first bytes are looked at.
func sniffImage(head []byte) string {
	switch {
	case bytes.HasPrefix(head, pngMagic):
		return mimePNG
	case bytes.HasPrefix(head, jpegMagic):
		return mimeJPEG
	}
	return ""
}

// describeHead names what the first bytes of a non-image look like, to make
// the error say more than "not an image".
func describeHead(head []byte) string {
	switch {
	case len(head) == 0:
		return "no data"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "a GIF image"
	case bytes.HasPrefix(head, []byte("RIFF")) && len(head) >= 12 && string(head[8:12]) == "WEBP":
		return "a WebP image"
	case bytes.HasPrefix(head, []byte("BM")):
		return "possibly a BMP image"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "a PDF document"
	}
	n := min(len(head), 8)
	return fmt.Sprintf("bytes starting % x", head[:n])
}

// ImageURL returns an image part fetched by the server from an https URL, or
// given inline as a base64 data URL ("data:image/png;base64,..." or
// "data:image/jpeg;base64,..."). Only PNG and JPEG images up to
// [MaxImageBytes] are accepted; data URLs are checked fully here, https URLs
// only for their form since their content is fetched by the server.
func ImageURL(url string, detail Detail) Part {
	d, err := detail.proto()
	if err != nil {
		return Part{err: err}
	}
	if err := checkImageURL(url); err != nil {
		return Part{err: err}
	}
	return imagePart(url, d)
}

// ImageBytes returns an image part holding data inline, sent as a base64
// data URL. data must be a PNG or JPEG image (recognised by its first bytes,
// whatever its name) of at most [MaxImageBytes].
func ImageBytes(data []byte, detail Detail) Part {
	d, err := detail.proto()
	if err != nil {
		return Part{err: err}
	}
	mime, err := checkImageBytes(data, "image data")
	if err != nil {
		return Part{err: err}
	}
	return imagePart(dataURL(mime, data), d)
}

// ImageFile returns an image part holding the content of the file at path,
// sent inline as a base64 data URL. The file must be a PNG or JPEG image of
// at most [MaxImageBytes]; its size is checked before it is read. Errors about
// the file itself (for example fs.ErrNotExist) can be tested with
// errors.Is.
func ImageFile(path string, detail Detail) Part {
	d, err := detail.proto()
	if err != nil {
		return Part{err: err}
	}
	data, err := readImageFile(path)
	if err != nil {
		return Part{err: err}
	}
	what := fmt.Sprintf("image file %q", path)
	mime, err := checkImageBytes(data, what)
	if err != nil {
		return Part{err: err}
	}
	return imagePart(dataURL(mime, data), d)
}

// ImageFileID returns an image part referring to an image uploaded
// beforehand with the Files API.
func ImageFileID(fileID string, detail Detail) Part {
	d, err := detail.proto()
	if err != nil {
		return Part{err: err}
	}
	if strings.TrimSpace(fileID) == "" {
		return Part{err: invalidArgument("image file ID is empty: pass the ID returned when the image was uploaded with the Files API")}
	}
	if err := checkUTF8("image file ID", fileID); err != nil {
		return Part{err: err}
	}
	return Part{pb: &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_FileId{FileId: fileID},
		Detail: d,
	}}}}
}

func imagePart(u string, d xaiv1.ImageDetail) Part {
	return Part{pb: &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: u},
		Detail: d,
	}}}}
}

// dataURL encodes data as a base64 data URL, allocating the result once.
func dataURL(mime string, data []byte) string {
	prefix := "data:" + mime + ";base64,"
	var b strings.Builder
	b.Grow(len(prefix) + base64.StdEncoding.EncodedLen(len(data)))
	b.WriteString(prefix)
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	enc.Write(data) // writes to a strings.Builder never fail
	enc.Close()
	return b.String()
}

// checkImageBytes checks that data is a PNG or JPEG image within the size
// limit and returns its MIME type. what names the data in errors.
func checkImageBytes(data []byte, what string) (string, error) {
	if len(data) > MaxImageBytes {
		return "", tooLarge(what, int64(len(data)))
	}
	mime := sniffImage(data)
	if mime == "" {
		return "", invalidArgument("%s is not a PNG or JPEG image (found %s): convert it to PNG or JPEG", what, describeHead(data))
	}
	return mime, nil
}

func tooLarge(what string, size int64) *Error {
	return invalidArgument("%s is %d bytes (%.1f MiB), over the %d MiB limit: downscale or recompress it",
		what, size, float64(size)/(1<<20), MaxImageBytes>>20)
}

// readImageFile reads an image file, refusing one over the size limit
// before reading it.
func readImageFile(path string) ([]byte, error) {
	if path == "" {
		return nil, invalidArgument("image file path is empty: pass the path of a PNG or JPEG file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fileError(path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, invalidArgument("image file %q is not a regular file (mode %s): pass the path of a PNG or JPEG file", path, info.Mode().Type())
	}
	if info.Size() > MaxImageBytes {
		return nil, tooLarge(fmt.Sprintf("image file %q", path), info.Size())
	}
	// The file may grow after Stat: never read more than one byte past the
	// limit.
	data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	return data, nil
}

func fileError(path string, err error) *Error {
	msg := err.Error()
	var pe *os.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	e := invalidArgument("cannot read image file %q: %s", path, msg)
	e.cause = err
	return e
}

// checkImageURL checks an image URL as the builders and validateMessages
// accept it: an https URL, or a base64 data URL of a PNG or JPEG image of at
// most [MaxImageBytes] whose bytes match its declared type.
func checkImageURL(s string) error {
	if s == "" {
		return invalidArgument("image URL is empty: pass an https URL or a data URL such as data:image/png;base64,...")
	}
	if err := checkUTF8("image URL", s); err != nil {
		return err
	}
	if len(s) >= 5 && strings.EqualFold(s[:5], "data:") {
		return checkDataURL(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return invalidArgument("image URL %s is not a valid URL (%s): pass an https URL or a base64 data URL", quoteShort(s), shorten(unwrapURLError(err).Error()))
	}
	if u.Scheme == "" {
		return invalidArgument("image URL %s has no scheme: pass an https URL, or for inline data a data URL such as data:image/png;base64,... (xai.ImageBytes builds one)", quoteShort(s))
	}
	if u.Scheme != "https" {
		return invalidArgument("image URL %s has scheme %s: only https URLs and base64 data URLs of PNG or JPEG images are accepted; serve the image over https or send it inline with xai.ImageBytes or xai.ImageFile", quoteShort(s), quoteShort(u.Scheme))
	}
	if u.Host == "" {
		return invalidArgument("image URL %s has no host: pass an absolute https URL", quoteShort(s))
	}
	return nil
}

// checkDataURL checks a data URL without decoding it into memory: the size
// is computed from its length, then the base64 is streamed through a small
// buffer to check that it decodes and that the image type matches.
func checkDataURL(s string) error {
	meta, payload, ok := strings.Cut(s[len("data:"):], ",")
	if !ok {
		return invalidArgument("image data URL %s has no comma before its data: use the form data:image/png;base64,<data>", quoteShort(s))
	}
	params := strings.Split(meta, ";")
	mime := strings.ToLower(strings.TrimSpace(params[0]))
	if len(params) < 2 || !strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64") {
		return invalidArgument("image data URL %s is not base64-encoded: use the form data:%s;base64,<data>", quoteShort(s), orPNG(mime))
	}
	switch mime {
	case mimePNG, mimeJPEG:
	case "image/jpg":
		// xAI's image understanding guide lists jpg among the accepted
		// types, and the fake accepts it too: read it as image/jpeg.
		mime = mimeJPEG
	case "image/pjpeg":
		return invalidArgument("image data URL has MIME type %s: write image/jpeg", quoteShort(mime))
	case "":
		return invalidArgument("image data URL has no MIME type: use data:image/png;base64,... or data:image/jpeg;base64,...")
	default:
		return invalidArgument("image data URL has MIME type %s: only image/png and image/jpeg are accepted; convert the image to PNG or JPEG", quoteShort(mime))
	}
	n := len(payload) - strings.Count(payload, "\n") - strings.Count(payload, "\r")
	if n == 0 {
		return invalidArgument("image data URL (%s) has no data after the comma", mime)
	}
	if n%4 != 0 {
		return invalidArgument("image data URL (%s) is not valid base64: its length %d is not a multiple of 4 (missing '=' padding or truncated data); encode it with base64.StdEncoding", mime, n)
	}
	if i := strings.IndexByte(payload, '='); i >= 0 && strings.TrimRight(payload[i:], "=\r\n") != "" {
		return invalidArgument("image data URL (%s) is not valid base64: '=' padding at data offset %d is followed by more data; encode the image once with base64.StdEncoding", mime, i)
	}
	size := int64(n/4*3) - int64(paddingOf(payload))
	if size > MaxImageBytes {
		return tooLarge("image in data URL ("+mime+")", size)
	}
	dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(payload))
	head := make([]byte, len(pngMagic))
	hn, err := io.ReadFull(dec, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return badBase64(mime, err)
	}
	head = head[:hn]
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return badBase64(mime, err)
	}
	got := sniffImage(head)
	switch {
	case got == "":
		return invalidArgument("image data URL declares %s but its data is not a PNG or JPEG image (found %s): convert the image to PNG or JPEG", mime, describeHead(head))
	case got != mime:
		return invalidArgument("image data URL declares %s but its data is %s: declare %s", mime, got, got)
	}
	return nil
}

func paddingOf(payload string) int {
	p := strings.TrimRight(payload, "\r\n")
	switch {
	case strings.HasSuffix(p, "=="):
		return 2
	case strings.HasSuffix(p, "="):
		return 1
	}
	return 0
}

func badBase64(mime string, err error) *Error {
	var ce base64.CorruptInputError
	if errors.As(err, &ce) {
		return invalidArgument("image data URL (%s) is not valid base64 (bad byte at data offset %d): encode the image with base64.StdEncoding", mime, int64(ce))
	}
	return invalidArgument("image data URL (%s) is not valid base64 (%v): encode the image with base64.StdEncoding", mime, err)
}

func orPNG(mime string) string {
	if mime == mimeJPEG {
		return mimeJPEG
	}
	return mimePNG
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// shorten cuts a text for an error message, like quoteShort without quotes.
func shorten(s string) string {
	const limit = 120
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// quoteShort quotes s for an error message, cutting it when long so that a
// multi-megabyte data URL never ends up in a message.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:cut], len(s))
}

// imageOfPart returns a copy of the image of a part built by [ImageURL],
// [ImageBytes], [ImageFile] or [ImageFileID], checked again in case its
// Proto was changed: the image input of image and video requests.
func imageOfPart(p Part) (*xaiv1.ImageUrlContent, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	if p.Proto() == nil {
		return nil, invalidArgument("it is an empty xai.Part, not an image: build images with xai.ImageURL, ImageBytes, ImageFile or ImageFileID")
	}
	img := p.Proto().GetImageUrl()
	if img == nil {
		return nil, invalidArgument("it is not an image: build images with xai.ImageURL, ImageBytes, ImageFile or ImageFileID")
	}
	if err := checkImageContent(img); err != nil {
		return nil, err
	}
	return proto.CloneOf(img), nil
}

// imagesOfParts is imageOfPart for the non-empty list of images of
// option, naming the index of a bad one.
func imagesOfParts(option string, parts []Part) ([]*xaiv1.ImageUrlContent, error) {
	if len(parts) == 0 {
		return nil, invalidArgument("%s: no images given; pass parts built with xai.ImageURL, ImageBytes, ImageFile or ImageFileID", option)
	}
	out := make([]*xaiv1.ImageUrlContent, len(parts))
	for i, p := range parts {
		img, err := imageOfPart(p)
		if err != nil {
			return nil, invalidArgument("%s: image %d: %s", option, i, errMessage(err))
		}
		out[i] = img
	}
	return out, nil
}
