"""Client of the pricing service (async, shared with the mobile BFF)."""
from decimal import Decimal

import asyncio


async def quote_cart(items):
    """Quote a cart; the real implementation calls the pricing service."""
    await asyncio.sleep(0)
    total = sum(Decimal(str(item.get("unit_price", "0"))) * int(item.get("quantity", 1)) for item in items)
    return {"total": str(total), "currency": "EUR"}
