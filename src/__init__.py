"""hero_assistance: peer-to-peer support and ticketing for the Hero stack."""
