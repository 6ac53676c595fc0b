//! Times as people read them: "2 minutes ago", with the exact local date and time on hover,
//! in the browser's own locale and time zone (`Intl`). The server sends RFC 3339 in UTC.

use leptos::prelude::*;

/// A `<time>` element: relative words, the exact local time as its title, the machine-readable
/// instant as `datetime`.
#[component]
pub fn When(#[prop(into)] at: String) -> impl IntoView {
    let (relative, exact) = describe(&at);
    view! { <time datetime=at title=exact>{relative}</time> }
}

/// `(relative, exact)` for an RFC 3339 instant. Outside a browser (never reached: account data
/// is fetched in the browser only) both are the instant itself.
pub fn describe(at: &str) -> (String, String) {
    #[cfg(target_arch = "wasm32")]
    {
        browser::describe(at).unwrap_or_else(|| (at.to_string(), at.to_string()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        (at.to_string(), at.to_string())
    }
}

/// The largest unit that fits `seconds` (negative: in the past), as `Intl.RelativeTimeFormat`
/// takes it: a whole count of that unit.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn relative_unit(seconds: f64) -> (f64, &'static str) {
    const UNITS: [(f64, &str); 6] = [
        (60.0, "second"),
        (60.0, "minute"),
        (24.0, "hour"),
        (7.0, "day"),
        (52.0 / 12.0, "week"),
        (12.0, "month"),
    ];
    let mut value = seconds;
    for (size, unit) in UNITS {
        if value.abs() < size {
            return (value.trunc(), unit);
        }
        value /= size;
    }
    (value.trunc(), "year")
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    fn options(pairs: &[(&str, &str)]) -> Object {
        let object = Object::new();
        for (key, value) in pairs {
            let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
        }
        object
    }

    pub fn describe(at: &str) -> Option<(String, String)> {
        let date = Date::new(&JsValue::from_str(at));
        let millis = date.get_time();
        if millis.is_nan() {
            return None;
        }
        let seconds = (millis - Date::now()) / 1000.0;
        // Under a minute reads "now" whatever the clocks' small disagreement.
        let relative = if seconds.abs() < 60.0 {
            "just now".to_string()
        } else {
            let (value, unit) = super::relative_unit(seconds);
            let words = Intl::RelativeTimeFormat::new(&Array::new(), &options(&[("numeric", "auto")]));
            String::from(words.format(value, unit))
        };
        let exact = Intl::DateTimeFormat::new(
            &Array::new(),
            &options(&[("dateStyle", "medium"), ("timeStyle", "short")]),
        )
        .format()
        .call1(&JsValue::NULL, &date)
        .ok()?
        .dyn_into::<js_sys::JsString>()
        .ok()?;
        Some((relative, exact.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::relative_unit;

    #[test]
    fn the_largest_unit_that_fits_is_chosen() {
        assert_eq!(relative_unit(-30.0), (-30.0, "second"));
        assert_eq!(relative_unit(-150.0), (-2.0, "minute"));
        assert_eq!(relative_unit(-3.0 * 3600.0), (-3.0, "hour"));
        assert_eq!(relative_unit(-86_400.0 * 2.5), (-2.0, "day"));
        assert_eq!(relative_unit(-86_400.0 * 20.0), (-2.0, "week"));
        assert_eq!(relative_unit(-86_400.0 * 100.0), (-3.0, "month"));
        assert_eq!(relative_unit(-86_400.0 * 800.0), (-2.0, "year"));
        assert_eq!(relative_unit(7_200.0), (2.0, "hour"));
    }
}
