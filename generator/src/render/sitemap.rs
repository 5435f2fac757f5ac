//! `sitemap.xml` and `robots.txt`.

/// The sitemap protocol allows at most this many URLs per file.
pub const MAX_URLS_PER_FILE: usize = 50_000;

fn xml_escape(s: &str) -> String {
    crate::theme::escape_html(s)
}

fn urlset(urls: &[&str]) -> String {
    let mut out = String::with_capacity(64 + urls.len() * 80);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for u in urls {
        out.push_str("  <url><loc>");
        out.push_str(&xml_escape(u));
        out.push_str("</loc></url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// The sitemap files to write: one `sitemap.xml`, or, past 50,000 URLs, a
/// sitemap index `sitemap.xml` pointing at `sitemap-1.xml`, `sitemap-2.xml`, ...
pub fn sitemaps(base_url: &str, urls: &[&str]) -> Vec<(String, String)> {
    if urls.len() <= MAX_URLS_PER_FILE {
        return vec![("sitemap.xml".into(), urlset(urls))];
    }
    let mut files = Vec::new();
    let mut index = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (i, chunk) in urls.chunks(MAX_URLS_PER_FILE).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        index.push_str(&format!(
            "  <sitemap><loc>{}</loc></sitemap>\n",
            xml_escape(&format!("{base_url}/{name}"))
        ));
        files.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.push(("sitemap.xml".into(), index));
    files
}

pub fn robots(base_url: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_sites_get_a_sitemap_index() {
        let urls: Vec<String> = (0..MAX_URLS_PER_FILE + 1)
            .map(|i| format!("https://x.example/a/{i}"))
            .collect();
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        let files = sitemaps("https://x.example", &urls);
        assert_eq!(files.len(), 3);
        assert!(files[2].1.contains("<sitemapindex"));
        assert!(files[2].1.contains("https://x.example/sitemap-2.xml"));
        assert_eq!(sitemaps("https://x.example", &urls[..3]).len(), 1);
    }
}
