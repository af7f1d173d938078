package ui_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium is the browser for TestDrillHTMLInBrowser: $AMHA_CHROMIUM, else the first of the
// usual names on PATH. Without one the test skips, unless AMHA_REQUIRE_CHROMIUM=1 (CI) makes
// it fail.
func chromium(t *testing.T) string {
	t.Helper()
	required := os.Getenv("AMHA_REQUIRE_CHROMIUM") == "1"
	if p := os.Getenv("AMHA_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("AMHA_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium binary found (apt-get install chromium, or set AMHA_CHROMIUM to its path): the HTML report is not opened in a browser"
	if required {
		t.Fatal(msg + " and AMHA_REQUIRE_CHROMIUM=1")
	}
	t.Skip(msg)
	return ""
}

// TestDrillHTMLInBrowser opens the golden page (testdata/drill/report.html) in headless
// Chromium from file://: it renders (a full-page screenshot, a PNG of a page's size, every
// timeline laid out) with no console error and no request other than the file itself, as a
// self-contained page must.
func TestDrillHTMLInBrowser(t *testing.T) {
	bin := chromium(t)
	page, err := filepath.Abs(filepath.Join("testdata", "drill", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 900), chromedp.UserDataDir(t.TempDir()))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var mu sync.Mutex
	var requests, problems []string
	err = chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console "+string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("chromium %s did not start: %v", bin, err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("svg.timeline"))); err != nil {
		t.Fatalf("chromium %s could not open %s: %v", bin, url, err)
	}
	timelines, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.timeline").length`))
	if err != nil {
		t.Fatal(err)
	}
	narrowest, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll("svg.timeline")].map(s => s.getBoundingClientRect().height))`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot (%d bytes) is not a PNG: %v", len(shot), err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 2000 || len(shot) < 50_000 {
		t.Errorf("screenshot %dx%d, %d bytes: want a whole page of 7 drills (at least 800x2000, 50kB)", b.Dx(), b.Dy(), len(shot))
	}
	if timelines != 4 || narrowest < 100 {
		t.Errorf("%d timelines, the smallest %.0fpx high: want 4 laid out", timelines, narrowest)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		if r != url {
			t.Errorf("the page requested %s: it must need nothing but itself", r)
		}
	}
	if len(requests) == 0 {
		t.Error("no request seen, not even the file's: the check of requests is blind")
	}
	for _, p := range problems {
		t.Errorf("console: %s", p)
	}
	if testing.Verbose() {
		out := filepath.Join(t.TempDir(), "report.png")
		_ = os.WriteFile(out, shot, 0o644)
		t.Logf("%s: %dx%d, %d bytes", out, img.Bounds().Dx(), img.Bounds().Dy(), len(shot))
	}
}
