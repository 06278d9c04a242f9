"""`{% badge_embeds organisation %}`: the organisation's badges with the code to embed them.

For the organisation's publication settings: one entry per profile it has committed to,
shown only while the organisation serves badges (and a word on how to get them when not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.urls import reverse

from accord.badges.render import embed_snippets
from accord.badges.selectors import badge_profiles, serves_badges

if TYPE_CHECKING:
    from accord.accounts.models import Organisation

register = template.Library()


@register.inclusion_tag("badges/_embeds.html", takes_context=True)
def badge_embeds(context: template.Context, organisation: Organisation) -> dict[str, Any]:
    request = context["request"]
    embeds = []
    for profile in badge_profiles(organisation):
        args = [organisation.slug, profile.slug]
        badge_url = request.build_absolute_uri(reverse("badges:badge", args=args))
        page_url = request.build_absolute_uri(reverse("badges:verification", args=args))
        alt = f"{organisation.name}: {profile.title}"
        embeds.append(
            {
                "profile": profile,
                "badge_url": badge_url,
                "page_url": page_url,
                "alt": alt,
                "snippets": embed_snippets(alt=alt, badge_url=badge_url, page_url=page_url),
            }
        )
    return {
        "organisation": organisation,
        "embeds": embeds,
        "serves_badges": serves_badges(organisation),
    }
