// Package demoapp is the sample voice app bundled with callsim: a small IVR
// that validates Twilio signatures, used by `callsim demo` and the tests.
package demoapp

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/signature"
)

// SalesNumber is the number the menu's option 1 dials.
const SalesNumber = "+14155550100"

// App is the IVR. Every request it receives is kept for inspection.
type App struct {
	// AuthToken, when set, makes the app reject requests whose
	// X-Twilio-Signature does not validate (403), as a real app should.
	AuthToken string

	mu       sync.Mutex
	received []Received
}

// Received is one request as the app saw it.
type Received struct {
	Method    string
	Path      string
	URL       string
	Params    contract.Params
	Signature string
	Valid     bool // the signature validated (false when no token is set)
}

// Requests returns what the app has received so far.
func (a *App) Requests() []Received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Received(nil), a.received...)
}

// Handler serves the IVR under /voice and status callbacks at /status.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/voice", a.twiml(a.welcome))
	mux.HandleFunc("/voice/menu", a.twiml(a.menu))
	mux.HandleFunc("/voice/recorded", a.twiml(a.recorded))
	mux.HandleFunc("/voice/after-message", a.twiml(a.afterMessage))
	mux.HandleFunc("/voice/dial-status", a.twiml(a.dialStatus))
	mux.HandleFunc("/voice/goodbye", a.twiml(a.goodbye))
	a.aiRoutes(mux)
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.receive(w, r); ok {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	return mux
}

// receive parses and validates a request; ok is false when it was refused.
func (a *App) receive(w http.ResponseWriter, r *http.Request) (contract.Params, bool) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	var params contract.Params
	if r.Method == http.MethodPost {
		params = contract.ParamsFromValues(r.PostForm)
	} else {
		params = contract.ParamsFromValues(r.URL.Query())
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	full := scheme + "://" + r.Host + r.URL.RequestURI()
	sig := r.Header.Get(signature.Header)
	var signed contract.Params
	if r.Method == http.MethodPost {
		signed = params
	}
	rec := Received{Method: r.Method, Path: r.URL.Path, URL: full, Params: params, Signature: sig}
	if a.AuthToken != "" {
		rec.Valid = signature.Validate(a.AuthToken, full, signed, sig, nil)
	}
	a.mu.Lock()
	a.received = append(a.received, rec)
	a.mu.Unlock()
	if a.AuthToken != "" && !rec.Valid {
		http.Error(w, "invalid X-Twilio-Signature", http.StatusForbidden)
		return nil, false
	}
	return params, true
}

func (a *App) twiml(page func(contract.Params) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		params, ok := a.receive(w, r)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		if params.Value("CallStatus") == "completed" {
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Response/>`)
			return
		}
		fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n%s</Response>\n", page(params))
	}
}

func say(text string) string { return "  <Say voice=\"alice\">" + html.EscapeString(text) + "</Say>\n" }

func (a *App) welcome(contract.Params) string {
	return `  <Gather input="dtmf speech" numDigits="1" action="/voice/menu" timeout="5" hints="sales, message, hours">
    <Say voice="alice">Thanks for calling the callsim demo. For sales press 1 or say sales. To leave a message press 2. For our opening hours press 3.</Say>
  </Gather>
` + say("We did not hear anything.") + "  <Redirect method=\"POST\">/voice/goodbye</Redirect>\n"
}

func (a *App) menu(p contract.Params) string {
	choice := p.Value("Digits")
	switch strings.ToLower(strings.TrimSpace(p.Value("SpeechResult"))) {
	case "sales":
		choice = "1"
	case "message":
		choice = "2"
	case "hours":
		choice = "3"
	}
	switch choice {
	case "1":
		return say("Connecting you to sales.") +
			"  <Dial action=\"/voice/dial-status\" timeout=\"20\">\n    <Number>" + SalesNumber + "</Number>\n  </Dial>\n"
	case "2":
		return say("Please leave a message after the beep. Press the pound key when you are done.") +
			"  <Record action=\"/voice/recorded\" maxLength=\"60\" finishOnKey=\"#\" playBeep=\"true\"/>\n"
	case "3":
		return say("We are open Monday to Friday, nine to five.") + "  <Redirect>/voice</Redirect>\n"
	}
	return say("Sorry, that is not an option.") + "  <Redirect>/voice</Redirect>\n"
}

func (a *App) recorded(p contract.Params) string {
	secs := p.Value("RecordingDuration")
	if secs == "" {
		secs = p.Value("Duration")
	}
	return say("Thanks, we got your "+secs+" second message.") +
		`  <Gather numDigits="1" action="/voice/after-message" timeout="5">
    <Say voice="alice">To speak to sales now press 1. Otherwise just hang up.</Say>
  </Gather>
` + "  <Redirect>/voice/goodbye</Redirect>\n"
}

func (a *App) afterMessage(p contract.Params) string {
	if p.Value("Digits") == "1" {
		return a.menu(contract.Params{{Key: "Digits", Value: "1"}})
	}
	return a.goodbye(p)
}

func (a *App) dialStatus(p contract.Params) string {
	status := p.Value("DialCallStatus")
	if status == "" {
		status = p.Value("DialStatus")
	}
	switch status {
	case "completed", "answered":
		return say("Thanks for talking to sales. Goodbye.") + "  <Hangup/>\n"
	}
	return say("Sales is "+strings.ReplaceAll(status, "-", " ")+" right now, please try again later. Goodbye.") + "  <Hangup/>\n"
}

func (a *App) goodbye(contract.Params) string {
	return say("Goodbye.") + "  <Hangup/>\n"
}
