from __future__ import annotations

import factory

from terakoya.catalog.models import Offer
from terakoya.core.factories import WorkspaceOwnedFactory


class OfferFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Offer

    name = factory.Sequence(lambda n: f"Offer {n}")
