-- One Xero organisation and one ShipStation store belong to one account at
-- a time: two accounts syncing the same one would overwrite each other's
-- orders. A disconnected connection claims nothing, and neither does one
-- whose organisation or store is still to be chosen (NULL is distinct).
-- A database where two accounts already share one fails here: disconnect
-- one of them (doc/storage.md).
CREATE UNIQUE INDEX account_connection_xero_owner ON account_connection ((metadata ->> 'tenant_id'))
    WHERE kind = 'xero' AND status <> 'disconnected';
CREATE UNIQUE INDEX account_connection_shipstation_owner ON account_connection ((metadata ->> 'store_id'))
    WHERE kind = 'shipstation' AND status <> 'disconnected';
