//! Two blocks of text side by side, for comparing two variants' traces.

/// `left` and `right` line by line, the left padded to its widest line, split by a bar.
pub fn side_by_side(left_title: &str, left: &str, right_title: &str, right: &str) -> String {
    let width = |s: &str| s.chars().count();
    let l: Vec<&str> = std::iter::once(left_title).chain(left.lines()).collect();
    let r: Vec<&str> = std::iter::once(right_title).chain(right.lines()).collect();
    let w = l.iter().map(|s| width(s)).max().unwrap_or(0);
    let mut out = String::new();
    for i in 0..l.len().max(r.len()) {
        let a = l.get(i).copied().unwrap_or("");
        let b = r.get(i).copied().unwrap_or("");
        out.push_str(a);
        out.extend(std::iter::repeat_n(' ', w - width(a)));
        out.push_str(" │ ");
        out.push_str(b);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_the_left_block() {
        let out = super::side_by_side("a", "xx\nx", "b", "y");
        assert_eq!(out, "a  │ b\nxx │ y\nx  │ \n");
    }
}
