package xai

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestDetailString(t *testing.T) {
	t.Parallel()
	for d, want := range map[Detail]string{DetailAuto: "auto", DetailLow: "low", DetailHigh: "high", Detail(7): "Detail(7)", Detail(-1): "Detail(-1)"} {
		if got := d.String(); got != want {
			t.Errorf("Detail(%d).String() = %q, want %q", int(d), got, want)
		}
	}
}

func TestImageURL(t *testing.T) {
	t.Parallel()
	png, jpeg := fakePNG(64), fakeJPEG(64)
	tests := []struct {
		name   string
		url    string
		detail Detail
		want   xaiv1.ImageDetail
		errs   []string // substrings of the error; nil means success
	}{
		{name: "https", url: "https://example.com/cat.png", detail: DetailHigh, want: xaiv1.ImageDetail_DETAIL_HIGH},
		{name: "https upper-case scheme", url: "HTTPS://example.com/cat.png", want: xaiv1.ImageDetail_DETAIL_AUTO},
		{name: "png data URL", url: "data:image/png;base64," + b64(png), detail: DetailLow, want: xaiv1.ImageDetail_DETAIL_LOW},
		{name: "jpeg data URL", url: "data:image/jpeg;base64," + b64(jpeg), want: xaiv1.ImageDetail_DETAIL_AUTO},
		// xAI's image understanding guide lists jpg; the fake accepts it too.
		{name: "jpg data URL", url: "data:image/jpg;base64," + b64(jpeg), want: xaiv1.ImageDetail_DETAIL_AUTO},
		{name: "jpg data URL holding a PNG", url: "data:image/jpg;base64," + b64(png), errs: []string{"declares image/jpeg but its data is image/png"}},
		{name: "data URL any case", url: "DATA:Image/PNG;BASE64," + b64(png), want: xaiv1.ImageDetail_DETAIL_AUTO},
		{name: "data URL with parameter", url: "data:image/png;name=cat.png;base64," + b64(png), want: xaiv1.ImageDetail_DETAIL_AUTO},
		{name: "data URL with line breaks", url: "data:image/png;base64," + wrap(b64(fakePNG(300)), 76), want: xaiv1.ImageDetail_DETAIL_AUTO},

		{name: "unknown detail", url: "https://example.com/cat.png", detail: Detail(7), errs: []string{"unknown image detail Detail(7)", "DetailAuto"}},
		{name: "negative detail", url: "https://example.com/cat.png", detail: Detail(-1), errs: []string{"Detail(-1)"}},
		{name: "empty", url: "", errs: []string{"image URL is empty", "https URL"}},
		{name: "http", url: "http://example.com/cat.png", errs: []string{`scheme "http"`, "only https"}},
		{name: "ftp", url: "ftp://example.com/cat.png", errs: []string{`scheme "ftp"`}},
		{name: "no scheme", url: "example.com/cat.png", errs: []string{"has no scheme"}},
		{name: "raw base64 without data prefix", url: b64(png), errs: []string{"no scheme", "data:image/png;base64"}},
		{name: "no host", url: "https:///cat.png", errs: []string{"has no host"}},
		{name: "unparsable", url: "https://exa mple.com/%zz", errs: []string{"not a valid URL"}},
		{name: "data URL gif", url: "data:image/gif;base64," + b64(gifBytes), errs: []string{`MIME type "image/gif"`, "image/png and image/jpeg"}},
		{name: "data URL webp", url: "data:image/webp;base64,AAAA", errs: []string{`"image/webp"`}},
		{name: "data URL image/pjpeg", url: "data:image/pjpeg;base64," + b64(jpeg), errs: []string{`"image/pjpeg"`, "write image/jpeg"}},
		{name: "data URL no MIME", url: "data:;base64," + b64(png), errs: []string{"no MIME type"}},
		{name: "data URL not base64", url: "data:image/png," + b64(png), errs: []string{"not base64-encoded", "data:image/png;base64,"}},
		{name: "data URL no comma", url: "data:image/png;base64", errs: []string{"no comma"}},
		{name: "data URL no data", url: "data:image/png;base64,", errs: []string{"no data"}},
		{name: "bad base64 bytes", url: "data:image/png;base64,!!!!" + b64(png), errs: []string{"not valid base64", "offset 0"}},
		{name: "url-safe base64", url: "data:image/png;base64,iVBORw0KGgo_-_-", errs: []string{"not valid base64"}},
		{name: "truncated base64", url: "data:image/png;base64," + b64(png)[:10], errs: []string{"not valid base64", "multiple of 4"}},
		{name: "data after padding", url: "data:image/png;base64,iVBORw0KGgo=0000", errs: []string{"'=' padding at data offset 11 is followed by more data"}},
		{name: "long scheme is cut", url: strings.Repeat("a", 300) + "://example.com", errs: []string{"has scheme", "... (300 bytes)"}},
		{name: "long MIME is cut", url: "data:image/" + strings.Repeat("x", 300) + ";base64,AAAA", errs: []string{"... (306 bytes)"}},
		{name: "png declared jpeg sent", url: "data:image/png;base64," + b64(jpeg), errs: []string{"declares image/png but its data is image/jpeg", "declare image/jpeg"}},
		{name: "gif bytes declared png", url: "data:image/png;base64," + b64(gifBytes), errs: []string{"not a PNG or JPEG", "GIF"}},
		{name: "text declared jpeg", url: "data:image/jpeg;base64," + b64([]byte("hello world!")), errs: []string{"not a PNG or JPEG", "68 65 6c 6c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ImageURL(tt.url, tt.detail)
			if tt.errs != nil {
				wantInvalid(t, p.Err(), tt.errs...)
				if p.Proto() != nil {
					t.Errorf("Proto() = %v, want nil on error", p.Proto())
				}
				return
			}
			if p.Err() != nil {
				t.Fatalf("ImageURL: %v", p.Err())
			}
			img := p.Proto().GetImageUrl()
			if img.GetImageUrl() != tt.url || img.GetDetail() != tt.want {
				t.Errorf("got url %.40q detail %v, want %.40q %v", img.GetImageUrl(), img.GetDetail(), tt.url, tt.want)
			}
		})
	}
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString("\r\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func TestImageSizeLimit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("allocates large images")
	}
	atLimit := fakePNG(MaxImageBytes)
	over := fakeJPEG(21 << 20)

	t.Run("bytes at limit", func(t *testing.T) {
		if err := ImageBytes(atLimit, DetailAuto).Err(); err != nil {
			t.Fatalf("20 MiB image rejected: %v", err)
		}
	})
	t.Run("bytes one over limit", func(t *testing.T) {
		wantInvalid(t, ImageBytes(fakePNG(MaxImageBytes+1), DetailAuto).Err(), "over the 20 MiB limit")
	})
	t.Run("bytes 21 MiB", func(t *testing.T) {
		wantInvalid(t, ImageBytes(over, DetailAuto).Err(), "image data is 22020096 bytes (21.0 MiB), over the 20 MiB limit", "downscale")
	})
	t.Run("data URL at limit", func(t *testing.T) {
		if err := checkImageURL("data:image/png;base64," + b64(atLimit)); err != nil {
			t.Fatalf("20 MiB data URL rejected: %v", err)
		}
	})
	t.Run("data URL 21 MiB", func(t *testing.T) {
		err := ImageURL("data:image/jpeg;base64,"+b64(over), DetailAuto).Err()
		wantInvalid(t, err, "over the 20 MiB limit")
		if len(err.Error()) > 300 {
			t.Errorf("error message is %d bytes long; it must not quote the data", len(err.Error()))
		}
	})
	t.Run("data URL one byte over, size from padding", func(t *testing.T) {
		wantInvalid(t, checkImageURL("data:image/png;base64,"+b64(fakePNG(MaxImageBytes+1))), "20971521 bytes")
	})
	t.Run("file 21 MiB", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "big.jpg")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		// A sparse file: the size check must happen before reading.
		if _, err := f.Write(jpegMagic); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(21 << 20); err != nil {
			t.Fatal(err)
		}
		f.Close()
		wantInvalid(t, ImageFile(path, DetailAuto).Err(), "big.jpg", "over the 20 MiB limit")
	})
}

func TestImageBytes(t *testing.T) {
	t.Parallel()
	png, jpeg := fakePNG(100), fakeJPEG(100)
	tests := []struct {
		name     string
		data     []byte
		detail   Detail
		wantMIME string
		errs     []string
	}{
		{name: "png", data: png, detail: DetailHigh, wantMIME: "image/png"},
		{name: "jpeg", data: jpeg, wantMIME: "image/jpeg"},
		{name: "empty", data: nil, errs: []string{"not a PNG or JPEG", "no data"}},
		{name: "gif", data: gifBytes, errs: []string{"image data is not a PNG or JPEG image (found a GIF image)", "convert it"}},
		{name: "webp", data: []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), errs: []string{"WebP"}},
		{name: "pdf", data: []byte("%PDF-1.7"), errs: []string{"PDF"}},
		{name: "short png prefix", data: pngMagic[:5], errs: []string{"not a PNG or JPEG"}},
		{name: "unknown detail", data: png, detail: Detail(3), errs: []string{"unknown image detail Detail(3)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ImageBytes(tt.data, tt.detail)
			if tt.errs != nil {
				wantInvalid(t, p.Err(), tt.errs...)
				return
			}
			if p.Err() != nil {
				t.Fatal(p.Err())
			}
			u := p.Proto().GetImageUrl().GetImageUrl()
			prefix := "data:" + tt.wantMIME + ";base64,"
			if !strings.HasPrefix(u, prefix) {
				t.Fatalf("URL %.40q does not start with %q", u, prefix)
			}
			got, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(u, prefix))
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Errorf("data URL does not decode to the input (err %v)", err)
			}
			if err := checkImageURL(u); err != nil {
				t.Errorf("the built data URL fails the checker: %v", err)
			}
		})
	}
}

func TestImageFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pngPath := write("cat.png", fakePNG(50))
	jpegNamedPNG := write("photo.png", fakeJPEG(50))
	textPath := write("notes.png", []byte("not an image at all"))

	t.Run("png", func(t *testing.T) {
		p := ImageFile(pngPath, DetailLow)
		if p.Err() != nil {
			t.Fatal(p.Err())
		}
		img := p.Proto().GetImageUrl()
		if !strings.HasPrefix(img.GetImageUrl(), "data:image/png;base64,") || img.GetDetail() != xaiv1.ImageDetail_DETAIL_LOW {
			t.Errorf("got %.40q %v", img.GetImageUrl(), img.GetDetail())
		}
	})
	t.Run("type from content not name", func(t *testing.T) {
		p := ImageFile(jpegNamedPNG, DetailAuto)
		if p.Err() != nil {
			t.Fatal(p.Err())
		}
		if u := p.Proto().GetImageUrl().GetImageUrl(); !strings.HasPrefix(u, "data:image/jpeg;base64,") {
			t.Errorf("got %.40q, want a JPEG data URL", u)
		}
	})
	t.Run("not an image", func(t *testing.T) {
		wantInvalid(t, ImageFile(textPath, DetailAuto).Err(), "notes.png", "not a PNG or JPEG")
	})
	t.Run("missing", func(t *testing.T) {
		err := ImageFile(filepath.Join(dir, "missing.png"), DetailAuto).Err()
		wantInvalid(t, err, "cannot read image file", "missing.png", "no such file")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("errors.Is(err, fs.ErrNotExist) = false for %v", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		wantInvalid(t, ImageFile(dir, DetailAuto).Err(), "not a regular file")
	})
	t.Run("empty path", func(t *testing.T) {
		wantInvalid(t, ImageFile("", DetailAuto).Err(), "path is empty")
	})
	t.Run("unknown detail checked first", func(t *testing.T) {
		wantInvalid(t, ImageFile(filepath.Join(dir, "missing.png"), Detail(9)).Err(), "Detail(9)")
	})
}

func TestImageFileIDAndFileID(t *testing.T) {
	t.Parallel()
	p := ImageFileID("file-123", DetailHigh)
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
	if img := p.Proto().GetImageUrl(); img.GetFileId() != "file-123" || img.GetDetail() != xaiv1.ImageDetail_DETAIL_HIGH {
		t.Errorf("ImageFileID proto = %v", img)
	}
	wantInvalid(t, ImageFileID(" ", DetailAuto).Err(), "image file ID is empty")
	wantInvalid(t, ImageFileID("file-1", Detail(5)).Err(), "Detail(5)")

	f := FileID("file-abc")
	if f.Err() != nil || f.Proto().GetFile().GetFileId() != "file-abc" {
		t.Errorf("FileID = %v, %v", f.Proto(), f.Err())
	}
	wantInvalid(t, FileID("").Err(), "file ID is empty", "Files API")
}

func TestQuoteShort(t *testing.T) {
	t.Parallel()
	if got := quoteShort("abc"); got != `"abc"` {
		t.Errorf("quoteShort(abc) = %s", got)
	}
	long := strings.Repeat("é", 100) // two bytes each: the cut must not split one
	got := quoteShort(long)
	if !strings.HasSuffix(got, "... (200 bytes)") || strings.Contains(got, `\x`) {
		t.Errorf("quoteShort(long) = %s", got)
	}
}
