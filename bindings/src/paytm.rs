//! Paytm exports (PaytmChecksum, refund apply/status, webhooks).
