//! How an instance is configured (command-line flags and environment).

/// Settings of a running Upward.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address people use to reach Upward, e.g. `https://upward.example.org`
    /// (used in e-mailed links and calendar feed addresses). Cookies are
    /// marked Secure when it starts with https.
    pub public_url: String,
    /// SMTP server, e.g. `smtps://user:password@smtp.example.org:465` or
    /// `smtp://localhost:25`. Without it, e-mail is only recorded in the outbox.
    pub smtp_url: Option<String>,
    /// Sender of e-mails.
    pub mail_from: String,
    /// Demo mode: the outbox is the delivery, and the sign-in page says so.
    pub demo: bool,
    /// Run the background job worker in this instance.
    pub run_jobs: bool,
}

impl Config {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// An absolute link to a path of this Upward.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), path)
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            mail_from: "Upward <no-reply@upward.invalid>".into(),
            demo: false,
            run_jobs: true,
        }
    }
}
