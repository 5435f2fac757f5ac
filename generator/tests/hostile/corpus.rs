//! The hostile strings: each base below, alone and inside ordinary text,
//! plus a 100 KB title.

const BASES: &[&str] = &[
    // Markup and attribute breakers.
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "' autofocus onfocus='alert(1)",
    "` onclick=`alert(1)",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<form action=\"https://evil.example\"><button>x</button></form>",
    "<!--",
    "-->",
    "<![CDATA[x]]>",
    "<?xml version=\"1.0\"?>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
    "&amp;&quot;&#39;",
    "\\u003cscript\\u003e",
    "\\\"}];alert(1);//",
    "\"}, \"@type\": \"Evil\", \"x\": {\"",
    "</script ><script>alert(1)</script >",
    "<scr<script>ipt>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    // Template and format syntax.
    "{{ 7 * 7 }}",
    "{% raw %}{{ x }}{% endraw %}",
    "{# comment #}",
    "${7*7}",
    "%s%s%s%n",
    "[x](javascript:alert(1))",
    "![x](data:text/html,<script>alert(1)</script>)",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "<div onclick=\"alert(1)\">*markdown* html</div>",
    "<details open ontoggle=alert(1)>",
    // Addresses.
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "\u{1}javascript:alert(1)",
    "javascript&colon;alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "https://evil.example/\"><script>alert(1)</script>",
    "https://ok.example/?q=<script>alert(1)</script>",
    "https://user:pass@evil.example/",
    "http://[::1]:8080/",
    "https://例え.テスト/パス",
    "https://ok.example/#\" onload=\"alert(1)",
    // Unicode: direction overrides, invisible and unusual characters.
    "\u{202E}gnp.exe\u{202C}",
    "\u{2066}isolated\u{2069}",
    "\u{200F}\u{200E}marks",
    "\u{FEFF}bom",
    "zero\u{200B}width",
    "e\u{301}\u{301}\u{301}\u{301}",
    "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
    "𝕊𝕡𝕠𝕥𝕚𝕗𝕪",
    "東京の夜 / 도쿄 / طوكيو",
    "\u{2028}line\u{2029}para",
    // Control characters.
    "nul\u{0}byte",
    "\u{0}",
    "bell\u{7}back\u{8}",
    "del\u{7f}",
    "cr\rlf\nff\u{c}tab\t",
    "\u{85}next line",
    "\u{fffd}\u{fffe}\u{ffff}",
    // Quotes and escapes.
    "\\",
    "'\"`",
    "\\n\\r\\t",
    "']]></x>",
    "a & b < c > d \" e ' f",
];

/// Every base alone and wrapped in ordinary text, then a 100 KB title.
pub fn strings() -> Vec<String> {
    let mut out = Vec::new();
    for base in BASES {
        out.push(base.to_string());
        out.push(format!("Night Drive {base}"));
        out.push(format!("{base} (Deluxe){base}"));
    }
    out.push("Ünïcødé ".repeat(100 * 1024 / 16));
    out
}
