-- This run's candidate document pairs within the window: sharing a band key, p the later, q the earlier.
SELECT DISTINCT a.i AS p, b.i AS q FROM doc_bands x JOIN doc_bands y
    ON x.band = y.band AND x.key = y.key AND y.i < x.i
JOIN doc_days a ON a.i = x.i JOIN doc_days b ON b.i = y.i
WHERE (a.pub_day = no_day() OR b.pub_day = no_day() OR abs(a.pub_day - b.pub_day) <= $window)
