package restapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// APIError is an error answer in Twilio's shape.
type APIError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func (e *APIError) Error() string { return strconv.Itoa(e.Code) + ": " + e.Message }

func apiErr(status, code int, msg string) *APIError {
	return &APIError{Code: code, Message: msg, MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), Status: status}
}

// badRequest is a 400 with one of the 21xxx codes of the Calls resource.
func badRequest(code int, msg string) *APIError { return apiErr(http.StatusBadRequest, code, msg) }

// The codes this package answers with. Where Twilio's docs do not say which
// code a case gets, the use site says what was chosen.
const (
	codeInvalidParameter = 20001
	codeAuthenticate     = 20003
	codeMethodNotAllowed = 20004
	codeTestCredentials  = 20008
	codeNotComplete      = 20009
	codeNotFound         = 20404
	codeTooManyRequests  = 20429
	codeUnavailable      = 20503
	codeCallsResource    = 21200
	codeNoTo             = 21201
	codeInvalidURL       = 21205
	codeFromNotVerified  = 21210
	codeInvalidTo        = 21211
	codeInvalidFrom      = 21212
	codeNoFrom           = 21213
	codeUnreachable      = 21214
	codeGeoPermission    = 21215
	codeBlocked          = 21216
	codeNotValidNumber   = 21217
	codeInvalidAppSid    = 21218
	codeNotInProgress    = 21220
	codeInvalidEvent     = 21626
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the types of this package are marshalled; none can fail.
		status, b = http.StatusInternalServerError, []byte(`{"code":20500,"message":"Internal Server Error","more_info":"https://www.twilio.com/docs/errors/20500","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeErr(w http.ResponseWriter, e *APIError) {
	noteErr(w, e)
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
	}
	writeJSON(w, e.Status, e)
}
