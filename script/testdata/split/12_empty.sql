;;
  ;
-- nothing
/* nothing */ ;
