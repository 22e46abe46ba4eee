"""Product validation shortcuts decide exactly as the checks they stand in for."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradepost.catalog.validation import _PLAIN_URL_RE, is_http_url

django_url = URLValidator(schemes=["http", "https"])


def django_accepts(value: str) -> bool:
    try:
        django_url(value)
    except ValidationError:
        return False
    return True


label = st.text(alphabet="abcXYZ019-_é", min_size=0, max_size=8)
urls = st.builds(
    lambda scheme, labels, tld, port, path: f"{scheme}://{'.'.join(labels)}{tld}{port}{path}",
    st.sampled_from(["http", "https", "HTTP", "ftp", "http:", "https:/"]),
    st.lists(label, min_size=0, max_size=4),
    st.sampled_from(["", ".com", ".c", ".co1", ".xn--p1ai", ".museum", ".", "-"]),
    st.sampled_from(["", ":80", ":x", ":123456"]),
    st.text(alphabet="/?#abc .%\t\n\u00e9\u2028", max_size=12),
)


@settings(max_examples=400)
@given(urls)
@example("https://datasheets.example.com/yageo/rc0603.pdf")
@example("https://img.example.com/components/tpc-0000001-1.jpg")
@example("http://-bad.example.com/")
@example("http://localhost/a")
@example("http://192.168.0.1/a")
@example("https://例え.jp/")
def test_the_quick_url_check_decides_as_djangos_validator(value):
    assert is_http_url(value) == django_accepts(value)


@settings(max_examples=300)
@given(st.from_regex(_PLAIN_URL_RE, fullmatch=True))
def test_whatever_the_quick_pattern_accepts_django_accepts(value):
    assert django_accepts(value)
