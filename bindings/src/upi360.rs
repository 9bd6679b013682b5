//! UPI Refund 360 exports (header signatures, JWS, refund360/status, verification).
