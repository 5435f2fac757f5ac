//! Artist-written Markdown (bios, link descriptions) to HTML.
//!
//! Raw HTML in the Markdown is shown as text, and links or images whose
//! address is not http(s), mailto or relative are dropped: the text comes
//! from content files and is treated as hostile.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

fn is_control(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F)
}

fn safe_href(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any slash means a scheme.
        Some((scheme, _)) if !scheme.contains('/') => matches!(scheme, "http" | "https" | "mailto"),
        _ => true,
    }
}

pub fn to_html(markdown: &str) -> String {
    // Control characters other than whitespace are HTML errors; write the
    // replacement character, as the page escaper does.
    let cleaned: String;
    let markdown = if markdown.bytes().any(is_control) {
        cleaned = markdown
            .chars()
            .map(|c| {
                if c.is_ascii() && is_control(c as u8) {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect();
        cleaned.as_str()
    } else {
        markdown
    };
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH);
    let events = parser.map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_href(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_href(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_text_and_keeps_safe_links() {
        let html = to_html("Hello **fans**, see [tour](https://example.com/tour).");
        assert!(html.contains("<strong>fans</strong>"));
        assert!(html.contains("href=\"https://example.com/tour\""));
    }

    #[test]
    fn raw_html_and_script_links_never_become_markup() {
        let html = to_html("<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) ![z](data:image/svg+xml,x)");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img src=\"x"), "{html}");
        assert!(html.contains("<a href=\"#\">x</a>"), "{html}");
        assert!(
            !html.to_ascii_lowercase().contains("href=\"javascript"),
            "{html}"
        );
        assert!(!html.contains("src=\"data:"), "{html}");
    }
}
